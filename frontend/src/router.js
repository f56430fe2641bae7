import { createRouter, createWebHistory } from "vue-router";

// Each page is its own chunk: the wall screen does not load the desk, and a phone on
// /report does not load ECharts.
export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: "/", component: () => import("./pages/Home.vue") },
    { path: "/screen", component: () => import("./pages/screen/ScreenPage.vue") },
    { path: "/report", component: () => import("./pages/report/ReportPage.vue") },
    { path: "/party", component: () => import("./pages/party/PartyPage.vue") },
    { path: "/desk", component: () => import("./pages/desk/DeskPage.vue") },
    { path: "/desk/cases/:id", component: () => import("./pages/desk/CasePage.vue"), props: true },
    { path: "/:rest(.*)*", component: () => import("./pages/Home.vue") },
  ],
});
