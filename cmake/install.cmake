# install.cmake — what 'cmake --install' puts where, the Debian package
# (cpack -G DEB), the version compiled into 'amanat --version', and the tests
# of all three (label install).  Included at the end of CMakeLists.txt, after
# every target exists.  README.md, "Installing across an air gap", says how an
# office uses it.

include(GNUInstallDirs)

# 'amanat --version': the release, and the minizip compiled against (minizip
# has no run-time version function; the other libraries report their own).
target_compile_definitions(amanat PRIVATE AMANAT_VERSION="${PROJECT_VERSION}")
target_compile_definitions(amanat_bundle PRIVATE AMANAT_MINIZIP_VERSION="${MINIZIP_VERSION}")

# ---- cmake --install ---------------------------------------------------------

install(TARGETS amanat RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${CMAKE_SOURCE_DIR}/docs/man/amanat.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${CMAKE_SOURCE_DIR}/docs/man/amanat-format.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)
# bash-completion loads completions/<command> on first use of the command.
install(FILES ${CMAKE_SOURCE_DIR}/cli/completion.bash
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/bash-completion/completions RENAME amanat)
# amanat-format(5) points here for the byte-level specifications.
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${CMAKE_SOURCE_DIR}/SECURITY.md
              ${CMAKE_SOURCE_DIR}/docs/FORMAT.md ${CMAKE_SOURCE_DIR}/docs/BUNDLE.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

# ---- cpack -G DEB ------------------------------------------------------------

set(CPACK_PACKAGE_NAME amanat)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "amanat developers")
set(CPACK_PACKAGE_CONTACT "amanat developers <dev@amanat.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "offline evidence vault for human-rights documentation")
set(CPACK_PACKAGE_DESCRIPTION "amanat seals testimony, documents, media and case records into\n\
an append-only, signed and encrypted log kept in one SQLite file.  Auditors check\n\
with public keys alone that nothing was altered, dropped or re-ordered; custodians\n\
export chosen items as self-verifying evidence bundles.  It works without a network.")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CPACK_PACKAGE_CONTACT}")
# Depends: dpkg-shlibdeps (dpkg-dev, which tools/deps.sh installs, with the
# file command that CPack uses to find the binaries) reads them from the
# binary, with the versions the libraries' symbols need; without them, the
# Debian 12 names of the libraries amanat links.
find_program(AMANAT_DPKG_SHLIBDEPS dpkg-shlibdeps)
find_program(AMANAT_FILE file)
if(AMANAT_DPKG_SHLIBDEPS AND AMANAT_FILE)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
else()
  set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libc6 (>= 2.34), libsodium23 (>= 1.0.18), libssl3 (>= 3.0.0), libsqlite3-0 (>= 3.35), zlib1g (>= 1:1.2.0), libminizip1 (>= 1.1)")
endif()
set(CPACK_GENERATOR DEB)
include(CPack)

# ---- tests -------------------------------------------------------------------

# install/files: cmake --install into a DESTDIR, the installed binary, pages
# and completion, and (with dpkg-deb) the package.  install/manual: every
# command and option that --help lists is in amanat(1).
foreach(name files manual)
  add_test(NAME install/${name} COMMAND bash ${CMAKE_SOURCE_DIR}/tests/install/${name}.sh)
  set_tests_properties(install/${name} PROPERTIES LABELS install TIMEOUT 300
    ENVIRONMENT "AMANAT=$<TARGET_FILE:amanat>;TESTS_DIR=${CMAKE_SOURCE_DIR}/tests;AMANAT_SOURCE_DIR=${CMAKE_SOURCE_DIR};AMANAT_BUILD_DIR=${CMAKE_BINARY_DIR}")
endforeach()
