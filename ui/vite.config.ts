/// <reference types="vitest/config" />
import { defineConfig } from "vite";

// Runs inside a Tauri webview with a strict CSP (no inline script/style, no
// remote origins). Everything is bundled locally; paths are relative.
export default defineConfig({
  base: "./",
  clearScreen: false,
  esbuild: {
    jsx: "automatic",
    jsxImportSource: "preact",
  },
  resolve: {
    alias: {
      react: "preact/compat",
      "react-dom": "preact/compat",
    },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    // pdf.js is large; it is lazy-loaded only when a PDF attachment is shown.
    chunkSizeWarningLimit: 1600,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  worker: {
    format: "es",
  },
  server: {
    host: "127.0.0.1",
    port: 5173,
    strictPort: true,
  },
  test: {
    environment: "happy-dom",
    include: ["tests/**/*.test.{ts,tsx}"],
    css: false,
  },
});
