# courier_warnings: an internal INTERFACE target (neither installed nor exported) that every
# test, example and benchmark links. It carries the warning flags and, when COURIER_SANITIZE
# is set, the sanitizer flags for both compiling and linking.

add_library(courier_warnings INTERFACE)
target_compile_options(courier_warnings INTERFACE -Wall -Wextra -Wpedantic)
if(COURIER_WERROR)
    target_compile_options(courier_warnings INTERFACE -Werror)
endif()

# COURIER_SANITIZE accepts the short names asan, ubsan, tsan, lsan, the compiler's own names
# (address, undefined, thread, leak), as a CMake list or separated by commas.
set(_courier_sanitizers "")
string(REPLACE "," ";" _courier_requested "${COURIER_SANITIZE}")
foreach(name IN LISTS _courier_requested)
    string(STRIP "${name}" name)
    string(TOLOWER "${name}" name)
    if(name STREQUAL "asan" OR name STREQUAL "address")
        list(APPEND _courier_sanitizers address)
    elseif(name STREQUAL "ubsan" OR name STREQUAL "undefined")
        list(APPEND _courier_sanitizers undefined)
    elseif(name STREQUAL "tsan" OR name STREQUAL "thread")
        list(APPEND _courier_sanitizers thread)
    elseif(name STREQUAL "lsan" OR name STREQUAL "leak")
        list(APPEND _courier_sanitizers leak)
    elseif(NOT name STREQUAL "")
        message(FATAL_ERROR "COURIER_SANITIZE: unknown sanitizer '${name}' "
                            "(use asan, ubsan, tsan, lsan or a list of them)")
    endif()
endforeach()
list(REMOVE_DUPLICATES _courier_sanitizers)

if(_courier_sanitizers)
    if("thread" IN_LIST _courier_sanitizers AND
       ("address" IN_LIST _courier_sanitizers OR "leak" IN_LIST _courier_sanitizers))
        message(FATAL_ERROR "COURIER_SANITIZE: tsan cannot be combined with asan or lsan")
    endif()
    list(JOIN _courier_sanitizers "," _courier_flag)
    set(_courier_flags "-fsanitize=${_courier_flag}" -fno-omit-frame-pointer)
    if("undefined" IN_LIST _courier_sanitizers)
        # Any undefined behaviour fails the run instead of printing and going on.
        list(APPEND _courier_flags -fno-sanitize-recover=all)
    endif()
    target_compile_options(courier_warnings INTERFACE ${_courier_flags})
    target_link_options(courier_warnings INTERFACE ${_courier_flags})
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
        # GCC's manual: sanitizers raise the rate of false -Wmaybe-uninitialized warnings.
        # The builds without a sanitizer keep this warning.
        target_compile_options(courier_warnings INTERFACE -Wno-maybe-uninitialized)
        if("thread" IN_LIST _courier_sanitizers)
            # GCC warns (-Wtsan) that ThreadSanitizer does not model std::atomic_thread_fence:
            # a limit of the tool, not a defect of the code.
            target_compile_options(courier_warnings INTERFACE -Wno-tsan)
        endif()
    endif()
    message(STATUS "courier: sanitizers ${_courier_flag}")
endif()
