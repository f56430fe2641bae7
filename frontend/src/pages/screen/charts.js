// ECharts with only what the wall screen draws (a map of the grids and a 30-day trend), and a
// composable that ties one chart to one element for the life of a component.
import { onBeforeUnmount, onMounted, watch } from "vue";
import * as echarts from "echarts/core";
import { BarChart, LineChart, MapChart } from "echarts/charts";
import { GridComponent, VisualMapComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";

echarts.use([MapChart, LineChart, BarChart, GridComponent, VisualMapComponent, CanvasRenderer]);

export { echarts };

/** Text and lines on the dark screen (AA contrast on --screen-panel). */
export const INK = { text: "#e5edf7", muted: "#9fb3c8", line: "#2c3e55" };

/**
 * Draws `option()` into the element in `el` and redraws when the sources it reads change
 * (`watchSource`). The chart is disposed and its resize observer released on unmount, so a
 * screen that runs for days holds exactly one chart per panel.
 */
export function useChart(el, option, watchSource) {
  let chart = null;
  let observer = null;
  let stop = null;
  // No tweens: a screen that redraws all day should spend no CPU on animation nobody watches.
  const draw = () => chart?.setOption({ animation: false, ...option() });

  onMounted(() => {
    chart = echarts.init(el.value, null, { renderer: "canvas" });
    draw();
    observer = new ResizeObserver(() => chart?.resize());
    observer.observe(el.value);
    stop = watch(watchSource, draw);
  });

  onBeforeUnmount(() => {
    stop?.();
    observer?.disconnect();
    chart?.dispose();
    chart = observer = stop = null;
  });
}
