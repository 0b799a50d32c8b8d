/**
 * The report's pictures, drawn server-side by Apache ECharts as SVG (its SSR renderer: no DOM,
 * no canvas), then PNG with the same resvg converter and shipped typeface as the SOP sheet. The
 * PDF embeds the SVG itself, so the charts stay vector there.
 *
 * Every chart is 800 × 400 units; as PNG it is drawn at twice that (1600 × 800 pixels) so it
 * stays sharp on a phone.
 */
import * as echarts from 'echarts';
import { FONT_FAMILY } from '../graphics/fonts.js';
import { svgToPng } from '../graphics/png.js';
import { CHART, percent, shortKegiatan } from '../messages/report.js';
import type { MonitoringReport, ReportRule, SopReport } from './model.js';

export const CHART_WIDTH = 800;
export const CHART_HEIGHT = 400;
const PNG_SCALE = 2;

export type ChartFormat = 'svg' | 'png';

const GOOD = '#2e7d32';
const BAD = '#c62828';
const NEUTRAL = '#1565c0';
const PALETTE = ['#1565c0', '#ef6c00', '#6a1b9a', '#00838f', '#ad1457', '#558b2f', '#4e342e'];

type Option = echarts.EChartsCoreOption;

const LABEL = { fontFamily: FONT_FAMILY };

/**
 * ECharts draws a white halo around labels as a stroke under the fill (paint-order="stroke"),
 * whatever textBorderWidth says; svg-to-pdfkit ignores paint-order, so in the PDF the halo covered
 * the text. On a white page the halo adds nothing: it is taken off every text element.
 */
function withoutTextHalo(svg: string): string {
  return svg.replace(/<text\b[^>]*>/g, (tag) =>
    tag.includes('paint-order="stroke"')
      ? tag.replace(/ (stroke|stroke-width|stroke-miterlimit|stroke-linejoin|paint-order)="[^"]*"/g, '')
      : tag,
  );
}
/** Decimal comma on value axes ("0,5"). */
const comma = (v: number) => String(v).replace('.', ',');

function draw(option: Option, format: ChartFormat, width = CHART_WIDTH, height = CHART_HEIGHT): string | Buffer {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({
      animation: false,
      color: PALETTE,
      textStyle: { fontFamily: FONT_FAMILY, fontSize: 12, color: '#222' },
      ...option,
    });
    const svg = withoutTextHalo(chart.renderToSVGString());
    return format === 'svg' ? svg : svgToPng(svg, { width: width * PNG_SCALE });
  } finally {
    chart.dispose();
  }
}

const title = (text: string, left: string | number = 'center') => ({ text, left, top: 6, textStyle: { fontFamily: FONT_FAMILY, fontSize: 15, fontWeight: 'bold' as const } });
const noData = (text: string) => ({
  graphic: { type: 'text', left: 'center', top: 'middle', style: { text, fontFamily: FONT_FAMILY, fontSize: 14, fill: '#777' } },
});

/** On-time share per step of one SOP, against the rule's threshold. */
export function renderStepChart(sop: SopReport, rule: ReportRule, format: 'svg'): string;
export function renderStepChart(sop: SopReport, rule: ReportRule, format: 'png'): Buffer;
export function renderStepChart(sop: SopReport, rule: ReportRule, format: ChartFormat): string | Buffer {
  const steps = sop.steps.filter((s) => s.figures.withDue > 0);
  const labels = steps.map((s) => `${s.stepId}. ${shortKegiatan(s.kegiatan, 28)}`);
  const values = steps.map((s) => ({
    value: Math.round((s.figures.onTimeShare ?? 0) * 100),
    itemStyle: { color: (s.figures.onTimeShare ?? 0) >= rule.minOnTimeShare - 1e-9 ? GOOD : BAD },
    label: { formatter: `${percent(s.figures.onTimeShare ?? 0)} (${s.figures.onTime}/${s.figures.withDue})` },
  }));
  return draw(
    {
      title: title(CHART.onTimePerStep(sop.nama)),
      grid: { left: 210, right: 90, top: 44, bottom: 36 },
      xAxis: { type: 'value', min: 0, max: 100, name: CHART.onTimeAxis, nameLocation: 'middle', nameGap: 24, axisLabel: { formatter: '{value}%' } },
      yAxis: { type: 'category', data: labels, inverse: true, axisLabel: { width: 200, overflow: 'truncate' } },
      series: [
        {
          type: 'bar',
          data: values,
          barMaxWidth: 22,
          label: { show: true, position: 'right', ...LABEL },
          markLine: {
            symbol: 'none',
            silent: true,
            lineStyle: { color: '#555', type: 'dashed' },
            label: { formatter: CHART.target(rule.minOnTimeShare), position: 'start', ...LABEL },
            data: [{ xAxis: Math.round(rule.minOnTimeShare * 100) }],
          },
        },
      ],
      ...(steps.length ? {} : noData(CHART.noData)),
    },
    format,
  );
}

/** On-time share per week, one line per SOP. */
export function renderTrendChart(report: MonitoringReport, format: 'svg'): string;
export function renderTrendChart(report: MonitoringReport, format: 'png'): Buffer;
export function renderTrendChart(report: MonitoringReport, format: ChartFormat): string | Buffer {
  const weeks = report.summary.weekly.map((w) => w.weekStart);
  const series = report.sops
    .filter((s) => s.weekly.some((w) => w.withDue > 0))
    .map((s) => ({
      name: s.nama,
      type: 'line',
      connectNulls: true,
      symbolSize: 7,
      data: s.weekly.map((w) => (w.withDue ? Math.round((w.onTime / w.withDue) * 100) : null)),
    }));
  return draw(
    {
      title: title(CHART.weeklyTrend),
      legend: { bottom: 4, textStyle: { ...LABEL } },
      grid: { left: 60, right: 30, top: 50, bottom: 70 },
      xAxis: { type: 'category', data: weeks.map(CHART.weekLabel), boundaryGap: false },
      yAxis: { type: 'value', min: 0, max: 100, name: CHART.onTimeAxis, axisLabel: { formatter: '{value}%' } },
      series: series.length
        ? series.map((s, i) =>
            i === 0
              ? {
                  ...s,
                  markLine: {
                    symbol: 'none',
                    silent: true,
                    lineStyle: { color: '#555', type: 'dashed' },
                    label: { formatter: CHART.target(report.rule.minOnTimeShare), position: 'insideEndTop', ...LABEL },
                    data: [{ yAxis: Math.round(report.rule.minOnTimeShare * 100) }],
                  },
                }
              : s,
          )
        : [],
      ...(series.length ? {} : noData(CHART.noData)),
    },
    format,
  );
}

/** Working days of lateness per Pelaksana, across the SOPs of the report. */
export function renderRoleChart(report: MonitoringReport, format: 'svg'): string;
export function renderRoleChart(report: MonitoringReport, format: 'png'): Buffer;
export function renderRoleChart(report: MonitoringReport, format: ChartFormat): string | Buffer {
  const roles = report.summary.roles;
  return draw(
    {
      title: title(CHART.latenessPerRole),
      grid: { left: 170, right: 120, top: 44, bottom: 30 },
      xAxis: { type: 'value', name: CHART.lateDaysAxis, nameLocation: 'middle', nameGap: 22, minInterval: 0.5, axisLabel: { formatter: comma } },
      yAxis: { type: 'category', data: roles.map((r) => r.name), inverse: true, axisLabel: { width: 160, overflow: 'truncate' } },
      series: [
        {
          type: 'bar',
          barMaxWidth: 22,
          data: roles.map((r) => ({
            value: Math.round((r.lateMinutes / report.dayMinutes) * 10) / 10,
            itemStyle: { color: r.lateMinutes > 0 ? BAD : GOOD },
            label: { formatter: `${String(Math.round((r.lateMinutes / report.dayMinutes) * 10) / 10).replace('.', ',')} · ${percent(r.withDue ? r.onTime / r.withDue : 0)} tepat` },
          })),
          label: { show: true, position: 'right', ...LABEL },
        },
      ],
      ...(roles.length ? {} : noData(CHART.noData)),
    },
    format,
  );
}

export interface DigestChartData {
  /** This month's on-time share per SOP. */
  onTime: { label: string; onTime: number; total: number }[];
  /** Open tasks past their due date now, per role. */
  overdueByRole: { label: string; count: number }[];
  /** The minimum share of "berjalan dengan baik", drawn as a line; default 80%. */
  target?: number;
}

/**
 * The daily digest's picture: on the left this month's on-time share per SOP, on the right the
 * overdue tasks per role. 800 × 400, PNG at 1600 × 800.
 */
export function renderDigestChart(data: DigestChartData, format: 'svg'): string;
export function renderDigestChart(data: DigestChartData, format?: 'png'): Buffer;
export function renderDigestChart(data: DigestChartData, format: ChartFormat = 'png'): string | Buffer {
  const target = data.target ?? 0.8;
  const sops = data.onTime.filter((s) => s.total > 0);
  return draw(
    {
      title: [title(CHART.digestOnTime, '4%'), title(CHART.digestOverdue, '56%')],
      grid: [
        { left: 160, width: 210, top: 44, bottom: 30 },
        { left: 560, width: 180, top: 44, bottom: 30 },
      ],
      xAxis: [
        { gridIndex: 0, type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
        { gridIndex: 1, type: 'value', minInterval: 1 },
      ],
      yAxis: [
        { gridIndex: 0, type: 'category', inverse: true, data: sops.map((s) => s.label), axisLabel: { width: 150, overflow: 'truncate' } },
        { gridIndex: 1, type: 'category', inverse: true, data: data.overdueByRole.map((r) => r.label), axisLabel: { width: 110, overflow: 'truncate' } },
      ],
      series: [
        {
          type: 'bar',
          xAxisIndex: 0,
          yAxisIndex: 0,
          barMaxWidth: 20,
          data: sops.map((s) => ({
            value: Math.round((s.onTime / s.total) * 100),
            itemStyle: { color: s.onTime / s.total >= target - 1e-9 ? GOOD : BAD },
            label: { formatter: `${percent(s.onTime / s.total)} (${s.onTime}/${s.total})` },
          })),
          label: { show: true, position: 'insideLeft', color: '#fff', ...LABEL },
          markLine: { symbol: 'none', silent: true, label: { show: false }, lineStyle: { color: '#555', type: 'dashed' }, data: [{ xAxis: Math.round(target * 100) }] },
        },
        {
          type: 'bar',
          xAxisIndex: 1,
          yAxisIndex: 1,
          barMaxWidth: 20,
          data: data.overdueByRole.map((r) => ({ value: r.count, itemStyle: { color: r.count ? BAD : NEUTRAL } })),
          label: { show: true, position: 'right', ...LABEL },
        },
      ],
      graphic: [
        ...(sops.length ? [] : [{ type: 'text', left: 170, top: 'middle', style: { text: CHART.noData, fontFamily: FONT_FAMILY, fontSize: 13, fill: '#777' } }]),
        ...(data.overdueByRole.length ? [] : [{ type: 'text', left: 580, top: 'middle', style: { text: CHART.noOverdue, fontFamily: FONT_FAMILY, fontSize: 13, fill: '#777' } }]),
      ],
    },
    format,
  );
}
