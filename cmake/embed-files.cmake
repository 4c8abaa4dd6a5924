# Build-time form of migration_embed_files (cmake/embed.cmake), for files that exist only once a
# build step has made them (an npm package installed into the build tree), so the list cannot be
# read at configure time.
#
#   cmake -DEMBED_CMAKE=<cmake/embed.cmake> -DBASE_DIR=<dir> -DFILES=<name>,<name>,...
#         -DOUTPUT=<file.cpp> -DNAMESPACE=<ns> -P embed-files.cmake
#
# FILES are paths relative to BASE_DIR, which become the embedded names; commas, because a CMake
# list's semicolons do not survive a custom command's command line.
foreach(variable EMBED_CMAKE BASE_DIR FILES OUTPUT NAMESPACE)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "embed-files.cmake: -D${variable}= is required")
  endif()
endforeach()
include(${EMBED_CMAKE})
string(REPLACE "," ";" names "${FILES}")
set(files "")
foreach(name IN LISTS names)
  if(NOT EXISTS ${BASE_DIR}/${name})
    message(FATAL_ERROR "embed-files.cmake: ${BASE_DIR}/${name} is missing")
  endif()
  list(APPEND files ${BASE_DIR}/${name})
endforeach()
migration_embed_files(${OUTPUT} ${NAMESPACE} ${BASE_DIR} ${files})
