# Extracts every ```cpp block of a Markdown file as a C++ source file, so that a build can compile
# the documentation's examples.
#
#   cmake -DDOC=<file.md> -DOUT=<dir> -P check_doc_snippets.cmake
#
# Block n (counted from 1, in order) becomes <dir>/snippet_<n>.cpp: the block, unchanged, as the
# body of `void courier_doc_snippet_<n>()`, after #include <courier/courier.hpp>, <chrono>,
# <iostream>, <string>, <thread> and <vector>. Files from an earlier run with a higher number are
# removed, and <dir>/snippets.txt lists the files written, one a line. A file without any ```cpp
# block, or with one that is never closed, is an error.
cmake_minimum_required(VERSION 3.21)

foreach(var DOC OUT)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "check_doc_snippets.cmake: -D${var}=... is required")
    endif()
endforeach()

set(header "#include <courier/courier.hpp>\n\n#include <chrono>\n#include <iostream>\n")
string(APPEND header "#include <string>\n#include <thread>\n#include <vector>\n\n")

file(MAKE_DIRECTORY "${OUT}")
file(GLOB old "${OUT}/snippet_*.cpp")
if(old)
    file(REMOVE ${old})
endif()

# The text is searched with string(FIND), never split into a CMake list: code holds ';', '[' and
# '\', which lists would mangle. A fence is "```cpp" alone on a line, closed by "```" alone on a
# line.
file(READ "${DOC}" text)
string(REPLACE "\r\n" "\n" text "${text}")
set(rest "\n${text}")
set(consumed 0)  # characters of "\n${text}" before `rest`
set(n 0)
set(written "")
while(TRUE)
    string(FIND "${rest}" "\n```cpp\n" open)
    if(open EQUAL -1)
        break()
    endif()
    # The line number of the opening fence: newlines before it in the whole text, plus one.
    math(EXPR upto "${consumed} + ${open} + 1")
    string(SUBSTRING "\n${text}" 0 ${upto} before)
    string(REGEX MATCHALL "\n" newlines "${before}")
    list(LENGTH newlines open_line)
    math(EXPR skip "${open} + 8")
    string(SUBSTRING "${rest}" ${skip} -1 rest)
    math(EXPR consumed "${consumed} + ${skip}")
    # The closing fence ends the body: "```" at the start of a line, then a newline or the end.
    string(FIND "\n${rest}" "\n```\n" close)
    if(close EQUAL -1)
        string(LENGTH "\n${rest}" len)
        math(EXPR at_end "${len} - 4")
        string(FIND "\n${rest}" "\n```" close_at_end REVERSE)
        if(close_at_end EQUAL -1 OR NOT close_at_end EQUAL at_end)
            message(FATAL_ERROR "${DOC}: the ```cpp block opened on line ${open_line} is never closed")
        endif()
        set(close ${close_at_end})
    endif()
    string(SUBSTRING "${rest}" 0 ${close} body)
    math(EXPR skip "${close} + 3")
    string(SUBSTRING "${rest}" ${skip} -1 rest)
    math(EXPR consumed "${consumed} + ${skip}")

    math(EXPR n "${n} + 1")
    set(file "${OUT}/snippet_${n}.cpp")
    file(WRITE "${file}" "// From ${DOC}, line ${open_line}.\n" "${header}"
                         "void courier_doc_snippet_${n}() {\n" "${body}" "}\n")
    string(APPEND written "${file}\n")
endwhile()

if(n EQUAL 0)
    message(FATAL_ERROR "${DOC}: no ```cpp block")
endif()
file(WRITE "${OUT}/snippets.txt" "${written}")
message(STATUS "${DOC}: ${n} snippets written to ${OUT}")
