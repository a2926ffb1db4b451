// validatorUrl: null — Swagger UI would otherwise fetch a badge from an outside validator service.
window.ui = window.SwaggerUIBundle({ url: "/api/openapi.json", dom_id: "#swagger", validatorUrl: null });
