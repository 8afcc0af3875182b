// Build ui/dist when it is missing or older than the sources.
import { execSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ui = resolve(fileURLToPath(new URL(".", import.meta.url)), "..");
const built = join(ui, "dist", "index.html");

function newest(p) {
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  let m = 0;
  for (const f of readdirSync(p)) m = Math.max(m, newest(join(p, f)));
  return m;
}

const inputs = ["src", "index.html", "vite.config.ts", "package.json"].map((f) => join(ui, f));
const stale = !existsSync(built) || Math.max(...inputs.map(newest)) > statSync(built).mtimeMs;
if (stale || process.env.FORCE_BUILD) {
  console.log("Building ui/dist…");
  execSync("npm run build", { cwd: ui, stdio: "inherit" });
} else {
  console.log("ui/dist is up to date");
}
