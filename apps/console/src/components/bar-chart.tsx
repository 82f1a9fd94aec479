export interface Bar {
  /** What the bar stands for (`login_failed`): what selecting it reports. */
  id: string;
  /** What a person reads (`Failed sign-in`). */
  label: string;
  value: number;
  /** Drawn in the alert colour. */
  alert?: boolean;
}

interface BarChartProps {
  bars: Bar[];
  title: string;
  selected?: string | null;
  onSelect?: (id: string) => void;
}

const rowHeight = 26;
const labelWidth = 170;
const chartWidth = 560;

/** Horizontal bars in SVG, one row per label, scaled to the largest value. */
export function BarChart({ bars, title, selected, onSelect }: BarChartProps) {
  const max = Math.max(1, ...bars.map((bar) => bar.value));
  const barSpace = chartWidth - labelWidth - 48;
  return (
    <svg
      className="bar-chart"
      viewBox={`0 0 ${chartWidth} ${bars.length * rowHeight}`}
      role="img"
      aria-labelledby="bar-chart-title"
    >
      <title id="bar-chart-title">{title}</title>
      {bars.map((bar, i) => {
        const y = i * rowHeight;
        const width = bar.value === 0 ? 0 : Math.max(3, (bar.value / max) * barSpace);
        const classes = [
          'bar-row',
          bar.alert ? 'alert' : '',
          selected === bar.id ? 'selected' : '',
          bar.value ? '' : 'zero',
        ];
        return (
          // biome-ignore lint/a11y/noStaticElementInteractions: the list below offers the same filter as a select
          <g key={bar.id} className={classes.join(' ')} onClick={() => onSelect?.(bar.id)} data-type={bar.id}>
            <text x={labelWidth - 8} y={y + rowHeight / 2} textAnchor="end" dominantBaseline="central">
              {bar.label}
            </text>
            <rect x={labelWidth} y={y + 5} width={barSpace} height={rowHeight - 10} rx={3} className="track" />
            <rect x={labelWidth} y={y + 5} width={width} height={rowHeight - 10} rx={3} className="fill" />
            <text x={labelWidth + width + 6} y={y + rowHeight / 2} dominantBaseline="central" className="value">
              {bar.value}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
