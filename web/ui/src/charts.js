// Chart.js, only the parts the two reports draw (keeps the bundle small).
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Legend, Tooltip);

Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily || 'system-ui, sans-serif';
Chart.defaults.color = '#1f2933';
Chart.defaults.animation = false; // no motion; also keeps screenshots and tests deterministic

// Quarter colours: distinguishable with common colour-vision deficiencies, each at least 3:1
// against white (WCAG non-text contrast); the legend names them too.
export const QUARTER_COLOURS = ['#1f5fa8', '#c2571a', '#2e7d32', '#7b3fa0'];
export const BAR_COLOUR = '#1f5fa8';
export const MEAN_COLOUR = '#b3261e';

export { Chart };
