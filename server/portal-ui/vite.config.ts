import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

/**
 * The endpoint owner's portal, served by Herald under /portal/. Built by server/http/portal-assets.ts (at
 * `herald start`, in the test set-up and in the Docker build), which passes the output folder.
 */
export default defineConfig({
  base: '/portal/',
  plugins: [preact()],
  build: {
    // The page's Content-Security-Policy allows no inline script or style: everything is a file.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    cssCodeSplit: false,
    sourcemap: false,
    target: 'es2022',
  },
});
