# Build-time step of src/CMakeLists.txt: embeds every file of the esbuild output folder (its names
# carry content hashes, so the list is known only after the build) with cmake/embed.cmake.
#
#   cmake -DEMBED_CMAKE=<cmake/embed.cmake> -DDIST=<dir> -DOUTPUT=<file.cpp> -DNAMESPACE=<ns> -P embed-dist.cmake
foreach(variable EMBED_CMAKE DIST OUTPUT NAMESPACE)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "embed-dist.cmake: -D${variable}= is required")
  endif()
endforeach()
include(${EMBED_CMAKE})
file(GLOB files LIST_DIRECTORIES false ${DIST}/*)
if(NOT files)
  message(FATAL_ERROR "embed-dist.cmake: ${DIST} is empty; web/ui/build.mjs did not run")
endif()
list(SORT files)
migration_embed_files(${OUTPUT} ${NAMESPACE} ${DIST} ${files})
