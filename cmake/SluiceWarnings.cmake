# Warnings are errors on our own code (never on third-party headers, which come in as SYSTEM).
function(sluice_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wshadow -Wnon-virtual-dtor
                                           -Wold-style-cast -Wimplicit-fallthrough)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    # GCC 12 at -O2/-O3 reports impossible sizes inside libstdc++'s std::string concatenation
    # (GCC bugs 105329 and 105651): a false positive, not a finding in our code.
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
endfunction()
