// Renders this server's /openapi.json with the embedded Swagger UI (swagger-ui-dist). Nothing is
// fetched from other hosts: validatorUrl null turns off the online validator badge, and query
// parameters cannot point the page at another document (queryConfigEnabled stays false).
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    queryConfigEnabled: false,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    defaultModelsExpandDepth: 0,
    displayRequestDuration: true,
  });
});
