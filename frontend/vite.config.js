import { defineConfig } from "vite";
import vue from "@vitejs/plugin-vue";

// The service serves dist/ itself; `npm run dev` proxies the API to a running `make demo`.
export default defineConfig({
  plugins: [vue()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Deterministic file names keep the committed build diffable and the stale check exact.
    rollupOptions: {
      output: {
        manualChunks(id) {
          if (id.includes("node_modules/echarts") || id.includes("node_modules/zrender")) return "echarts";
          if (id.includes("node_modules")) return "vendor";
        },
      },
    },
  },
  server: {
    proxy: {
      "/graphql": { target: "http://localhost:8000", ws: true },
      "/media": "http://localhost:8000",
    },
  },
});
