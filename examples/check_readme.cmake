# Checks that the README's hello-world block is examples/hello.cpp, line for line.
#   cmake -DREADME=<README.md> -DHELLO=<hello.cpp> -P check_readme.cmake
file(READ "${README}" readme)
file(READ "${HELLO}" hello)
string(FIND "${readme}" "## Hello, world" start)
if(start EQUAL -1)
    message(FATAL_ERROR "README.md has no '## Hello, world' section")
endif()
string(SUBSTRING "${readme}" ${start} -1 section)
string(FIND "${section}" "```cpp\n" open)
if(open EQUAL -1)
    message(FATAL_ERROR "the hello-world section of README.md has no ```cpp block")
endif()
math(EXPR open "${open} + 7")
string(SUBSTRING "${section}" ${open} -1 rest)
string(FIND "${rest}" "```" close)
string(SUBSTRING "${rest}" 0 ${close} block)
# hello.cpp opens with a one-line comment that the README leaves out.
string(REGEX REPLACE "^//[^\n]*\n" "" hello_body "${hello}")
if(NOT block STREQUAL hello_body)
    message(FATAL_ERROR "README.md's hello world differs from examples/hello.cpp:\n--- README\n"
                        "${block}\n--- hello.cpp\n${hello_body}")
endif()
message(STATUS "README hello world matches examples/hello.cpp")
