/**
 * GET /docs: the API reference, rendered by Swagger UI from /openapi.json. Swagger UI's files are
 * served from the installed swagger-ui-dist package (node_modules), never from a CDN, so the page
 * works on a machine without internet access. Public, like /openapi.json (no record data), and
 * not audited. Only the few files the page needs are served; no inline script (a strict CSP holds).
 */
import path from 'node:path';
import express, { Router } from 'express';

/** The files of swagger-ui-dist the page loads. */
const ASSETS = [
  'swagger-ui.css',
  'swagger-ui-bundle.js',
  'swagger-ui-standalone-preset.js',
  'favicon-32x32.png',
];

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>strongroom API reference</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
`;

const INIT = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: 'StandaloneLayout',
});
`;

function assetDir(): string {
  return path.dirname(require.resolve('swagger-ui-dist/package.json'));
}

export function docsRouter(): Router {
  const router = Router();
  const dir = assetDir();
  const files = express.static(dir, { index: false, fallthrough: true, maxAge: '1h' });
  router.get('/docs', (_req, res) => {
    res.setHeader(
      'Content-Security-Policy',
      "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
    );
    res.type('html').send(PAGE);
  });
  router.get('/docs/init.js', (_req, res) => {
    res.type('application/javascript').send(INIT);
  });
  router.get('/docs/assets/:file', (req, res, next) => {
    if (!ASSETS.includes(req.params.file)) return next();
    req.url = `/${req.params.file}`;
    return files(req, res, next);
  });
  return router;
}
