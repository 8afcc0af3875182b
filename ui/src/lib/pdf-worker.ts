// Bundled pdf.js worker entry (see lib/pdf.ts). WorkerMessageHandler wires
// itself to the worker global scope when its class is evaluated; referencing
// it keeps the bundler from dropping the module.
import { WorkerMessageHandler } from "pdfjs-dist/build/pdf.worker.min.mjs";

(globalThis as unknown as { pdfjsWorker: unknown }).pdfjsWorker = { WorkerMessageHandler };
