import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

/**
 * The endpoint owner's portal, served by Herald under /portal/. Built by server/http/portal-assets.ts (at
 * `herald start`, in the test set-up and in the Docker build), which passes the output folder.
 */
export default defineConfig({
  base: '/portal/',
  // Always the production page, whatever NODE_ENV the process that builds it has (the tests run with `test`):
  // without Preact's debugging aids and development JSX, which would more than double the script.
  plugins: [preact({ devToolsEnabled: false, prefreshEnabled: false })],
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  oxc: { jsx: { development: false } },
  build: {
    // The page's Content-Security-Policy allows no inline script or style: everything is a file.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    cssCodeSplit: false,
    sourcemap: false,
    target: 'es2022',
  },
});
