/* Starts Swagger UI (served from the package) on the OpenAPI document. */
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var el = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({url: el.dataset.spec, domNode: el, deepLinking: true,
    presets: [window.SwaggerUIBundle.presets.apis], layout: "BaseLayout"});
});
