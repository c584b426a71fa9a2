# Install rules: the headers, the exported target courier::courier and the CMake package
# (courierConfig.cmake, courierConfigVersion.cmake) so that find_package(courier CONFIG) works, and
# courier.pc for pkg-config (`pkg-config --cflags courier`; the compiler must be in C++20 mode).

include(CMakePackageConfigHelpers)

set(COURIER_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/courier"
    CACHE STRING "Where the CMake package files of courier are installed")
set(COURIER_INSTALL_PKGCONFIGDIR "${CMAKE_INSTALL_LIBDIR}/pkgconfig"
    CACHE STRING "Where the pkg-config file of courier is installed")
mark_as_advanced(COURIER_INSTALL_CMAKEDIR COURIER_INSTALL_PKGCONFIGDIR)

install(TARGETS courier courier_asio courier_boost_asio courier_zmq EXPORT courier_targets)
install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/courier"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
        FILES_MATCHING PATTERN "*.hpp")
install(EXPORT courier_targets
        NAMESPACE courier::
        FILE courierTargets.cmake
        DESTINATION "${COURIER_INSTALL_CMAKEDIR}")

configure_package_config_file(
    "${CMAKE_CURRENT_LIST_DIR}/courierConfig.cmake.in"
    "${PROJECT_BINARY_DIR}/courierConfig.cmake"
    INSTALL_DESTINATION "${COURIER_INSTALL_CMAKEDIR}")
write_basic_package_version_file(
    "${PROJECT_BINARY_DIR}/courierConfigVersion.cmake"
    COMPATIBILITY SameMajorVersion
    ARCH_INDEPENDENT)
install(FILES "${PROJECT_BINARY_DIR}/courierConfig.cmake"
              "${PROJECT_BINARY_DIR}/courierConfigVersion.cmake"
        DESTINATION "${COURIER_INSTALL_CMAKEDIR}")

# courier.pc finds the prefix from its own place (${pcfiledir}), so the installed tree can be moved
# and `cmake --install --prefix` works; absolute directories are written as they are.
if(IS_ABSOLUTE "${COURIER_INSTALL_PKGCONFIGDIR}")
    set(COURIER_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
    file(RELATIVE_PATH COURIER_PC_UP "/prefix/${COURIER_INSTALL_PKGCONFIGDIR}" "/prefix")
    set(COURIER_PC_PREFIX "\${pcfiledir}/${COURIER_PC_UP}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
    set(COURIER_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
    set(COURIER_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
configure_file("${CMAKE_CURRENT_LIST_DIR}/courier.pc.in" "${PROJECT_BINARY_DIR}/courier.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/courier.pc" DESTINATION "${COURIER_INSTALL_PKGCONFIGDIR}")
