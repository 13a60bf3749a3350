import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

// Resolved from this file, not the shell's folder: `npm run build` runs from the repo root.
const root = fileURLToPath(new URL('.', import.meta.url));
// `vite --config web/vite.config.ts` (dev) forwards the API to a running `kurz serve`.
const api = process.env.KURZ_API ?? 'http://localhost:8080';

export default defineConfig({
  root,
  base: '/',
  plugins: [preact()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The server sends a CSP without 'unsafe-inline': nothing may be inlined as a data: URI or a
    // <script>, so every asset becomes a file under /assets/, the only static path Kurz serves.
    assetsInlineLimit: 0,
    assetsDir: 'assets',
  },
  server: {
    proxy: {
      '/api': {
        target: api,
        changeOrigin: true,
        // The session routes refuse a foreign Origin (CSRF); in development the page's origin is
        // Vite's, so present the API's own.
        configure: (proxy) => {
          proxy.on('proxyReq', (req) => {
            if (req.getHeader('origin')) req.setHeader('origin', new URL(api).origin);
          });
        },
      },
    },
  },
});
