# The web dashboard (dashboard/, Vite + Preact) is built by npm at build time and embedded into
# the binary: sluice_dashboard_assets() adds the generated source to a target.
find_program(SLUICE_NPM npm)
# A cache variable so a build can embed another checkout of the dashboard (one that builds while
# dashboard/ is being edited).
set(SLUICE_DASHBOARD_DIR ${PROJECT_SOURCE_DIR}/dashboard CACHE PATH "The dashboard's npm project")
if(NOT SLUICE_NPM)
  message(FATAL_ERROR "npm was not found: the dashboard cannot be built. Run scripts/install-deps.")
endif()
if(NOT EXISTS ${SLUICE_DASHBOARD_DIR}/node_modules)
  message(FATAL_ERROR "${SLUICE_DASHBOARD_DIR}/node_modules is missing: run scripts/install-deps.")
endif()

function(sluice_dashboard_assets target)
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${SLUICE_DASHBOARD_DIR}/src/*
       ${SLUICE_DASHBOARD_DIR}/public/*)
  set(dist ${CMAKE_BINARY_DIR}/dashboard-dist)
  set(generated ${CMAKE_BINARY_DIR}/generated/dashboard_assets_data.cpp)
  add_custom_command(
    OUTPUT ${generated}
    COMMAND ${SLUICE_NPM} run build --silent -- --outDir ${dist} --emptyOutDir --logLevel warn
    COMMAND ${CMAKE_COMMAND} -DDIST_DIR=${dist} -DOUTPUT=${generated}
            -P ${PROJECT_SOURCE_DIR}/cmake/embed_dashboard.cmake
    WORKING_DIRECTORY ${SLUICE_DASHBOARD_DIR}
    DEPENDS ${SLUICE_DASHBOARD_DIR}/index.html ${SLUICE_DASHBOARD_DIR}/vite.config.js
            ${SLUICE_DASHBOARD_DIR}/package.json ${SLUICE_DASHBOARD_DIR}/package-lock.json
            ${sources} ${PROJECT_SOURCE_DIR}/cmake/embed_dashboard.cmake
    COMMENT "Building the dashboard (npm run build) and embedding it"
    VERBATIM)
  target_sources(${target} PRIVATE ${generated})
endfunction()
