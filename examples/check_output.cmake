# Runs one example and checks what it prints.
#
#   cmake -DEXAMPLE=<program> -DEXPECTED_DIR=<dir> -DNAME=<name> -P check_output.cmake
#
# The program must exit with status 0. Its standard output must then equal <dir>/<name>.txt
# exactly or, where the example's output depends on timing and no <name>.txt exists, match the
# regular expression in <dir>/<name>.regex as a whole (the expression is anchored at both ends).

foreach(var EXAMPLE EXPECTED_DIR NAME)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "check_output.cmake: -D${var}=... is required")
    endif()
endforeach()

execute_process(
    COMMAND "${EXAMPLE}"
    OUTPUT_VARIABLE actual
    ERROR_VARIABLE errors
    RESULT_VARIABLE status
    TIMEOUT 50)

if(NOT status STREQUAL "0")
    message(FATAL_ERROR "${NAME} exited with '${status}'\nstdout:\n${actual}\nstderr:\n${errors}")
endif()

set(expected_file "${EXPECTED_DIR}/${NAME}.txt")
set(regex_file "${EXPECTED_DIR}/${NAME}.regex")

if(EXISTS "${expected_file}")
    file(READ "${expected_file}" expected)
    if(NOT actual STREQUAL expected)
        message(FATAL_ERROR "${NAME}: output differs from ${expected_file}\n"
                            "--- expected\n${expected}--- actual\n${actual}--- end")
    endif()
elseif(EXISTS "${regex_file}")
    # Newlines in the file are literal newlines of the expression.
    file(READ "${regex_file}" pattern)
    if(NOT actual MATCHES "^${pattern}$")
        message(FATAL_ERROR "${NAME}: output does not match ${regex_file}\n"
                            "--- pattern\n${pattern}\n--- actual\n${actual}--- end")
    endif()
else()
    message(FATAL_ERROR "${NAME}: neither ${expected_file} nor ${regex_file} exists")
endif()

if(errors)
    message(STATUS "${NAME} wrote to stderr:\n${errors}")
endif()
