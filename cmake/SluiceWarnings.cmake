# Warnings are errors on our own code (never on third-party headers, which come in as SYSTEM).
function(sluice_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wshadow -Wnon-virtual-dtor
                                           -Wold-style-cast -Wimplicit-fallthrough)
endfunction()
