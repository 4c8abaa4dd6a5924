# Project warnings, applied to our own targets only (never to third-party headers).
function(migration_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
    # Designated initializers leave defaulted members out on purpose.
    -Wno-missing-field-initializers)
  if(MIGRATION_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
