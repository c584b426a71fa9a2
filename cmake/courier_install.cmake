# Install rules: the headers, the exported target courier::courier and the CMake package
# (courierConfig.cmake, courierConfigVersion.cmake) so that find_package(courier CONFIG) works.

include(CMakePackageConfigHelpers)

set(COURIER_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/courier"
    CACHE STRING "Where the CMake package files of courier are installed")
mark_as_advanced(COURIER_INSTALL_CMAKEDIR)

install(TARGETS courier EXPORT courier_targets)
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
