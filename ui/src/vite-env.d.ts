/// <reference types="vite/client" />
declare module "pdfjs-dist/build/pdf.worker.min.mjs";
