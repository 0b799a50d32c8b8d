/**
 * The monitoring and evaluation report as data: what the XLSX, the PDF, the JSON and the charts
 * are drawn from. Durations are working minutes (of the SOP unit's calendar) with the length of
 * that unit's office day beside them, so a reader of the JSON can convert to days as the form does.
 */

/** When a step "berjalan dengan baik". Shares are 0..1. */
export interface ReportRule {
  /** At least this share of the visits with a due date done by it. */
  minOnTimeShare: number;
  /** At most this share of the visits being a re-do after a return. */
  maxReturnShare: number;
}

export const DEFAULT_RULE: ReportRule = { minOnTimeShare: 0.8, maxReturnShare: 0.2 };

/** baik / tidak_baik are the form's two columns; tidak_dinilai leaves both empty (no run in the period). */
export type Judgment = 'baik' | 'tidak_baik' | 'tidak_dinilai';

/** What the judgment was based on. */
export type JudgmentBasis = 'on-time-and-returns' | 'returns-only' | 'none';

export type WaktuKind = 'fixed' | 'actor-sets' | 'after-anchor' | 'none';

export type SuggestionCode = 'review-waktu' | 'late-cases' | 'clarify-kelengkapan' | 'review-returns' | 'role-load';

export interface ReasonCount {
  text: string;
  count: number;
}

export interface StepFigures {
  /** Visits completed in the period. */
  runs: number;
  /** Of those, the ones that had a due date (fixed waktu, one the actor set, or one counted from an anchor). */
  withDue: number;
  /** Of those, done by the due date. */
  onTime: number;
  onTimeShare: number | null;
  /** Working minutes from opening to completion: median and 90th percentile (linear, as percentile_cont). */
  medianMinutes: number | null;
  p90Minutes: number | null;
  /** Median working minutes the visits were given (opening to due date): the baku as it applied. */
  allowanceMinutes: number | null;
  /** Working minutes past the due date, summed over the late visits. */
  lateMinutes: number;
  lateVisits: number;
  /** Visits of this step that returned the case (Kembalikan). */
  returned: number;
  /** Visits opened again because a later step returned the case here. */
  sentBack: number;
  sentBackShare: number | null;
  /** The commonest reasons of those returns, most frequent first. */
  reasons: ReasonCount[];
  /** Escalation notices written for the visits completed in the period. */
  escalations: number;
  /** Visits open at the end of the period, and how many of them were past their due date then. */
  openAtEnd: number;
  overdueAtEnd: number;
  /** Case references of the latest late visits, latest first (at most three). */
  slowestCases: string[];
}

export interface StepRow {
  /** Row number on the form (1, 2, …). */
  no: number;
  stepId: string;
  kegiatan: string;
  roles: string[];
  roleNames: string[];
  /** Mutu Baku Waktu as written (newest version in the period). */
  waktu: string | null;
  waktuKind: WaktuKind;
  figures: StepFigures;
  judgment: Judgment;
  basis: JudgmentBasis;
  /** Catatan hasil penilaian, written from the figures. */
  catatan: string;
  /** Tindakan yang harus diambil: "Saran: …" suggestions, or "Tidak ada; pertahankan." */
  tindakan: string;
  suggestions: SuggestionCode[];
}

export interface CaseFigures {
  /** Started in the period. */
  started: number;
  /** Closed in the period, by outcome. */
  finished: number;
  rejected: number;
  cancelled: number;
  /** Open at the end of the period. */
  running: number;
  /** Cases finished (selesai) in the period, start to end, working minutes. */
  medianEndToEndMinutes: number | null;
  /** Sum of the time each of those cases was given on the steps of its own path (first visit of each), median. */
  medianBakuPathMinutes: number | null;
  /** How many finished cases the two medians are over. */
  measured: number;
}

export interface WeekFigures {
  /** Monday of the week (local date), or the period's first day for a week cut by it. */
  weekStart: string;
  withDue: number;
  onTime: number;
}

export interface SopReport {
  sopId: string;
  code: string;
  nama: string;
  nomor: string;
  instansi: string[];
  /** Definition versions the period's cases ran on. */
  versions: number[];
  timezone: string;
  /** Working minutes of a regular office day of the unit: the "hari kerja" of this sheet. */
  dayMinutes: number;
  cases: CaseFigures;
  steps: StepRow[];
  weekly: WeekFigures[];
}

export interface CostlyStep {
  sopId: string;
  sopName: string;
  stepId: string;
  kegiatan: string;
  roleNames: string[];
  lateMinutes: number;
  lateVisits: number;
  withDue: number;
  onTime: number;
  dayMinutes: number;
}

export interface RoleFigures {
  role: string;
  name: string;
  withDue: number;
  onTime: number;
  lateMinutes: number;
  /** SOPs where a step of this role did not meet the on-time share. */
  lateInSops: string[];
}

export interface MonitoringReport {
  /** Inclusive local dates. */
  period: { from: string; to: string; wholeMonth: boolean; timezone: string };
  generatedAt: string;
  /** Nama / NIP, or '' to be written by hand when signing. */
  evaluator: string;
  rule: ReportRule;
  /** Working minutes of a regular office day in the report's time zone (the summary's "hari kerja"). */
  dayMinutes: number;
  sops: SopReport[];
  summary: {
    cases: CaseFigures;
    costliest: CostlyStep[];
    roles: RoleFigures[];
    weekly: WeekFigures[];
    /** Catalog SOPs with no case in the period (by name). */
    notRun: string[];
  };
}
