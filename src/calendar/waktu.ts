/**
 * Mutu Baku "Waktu" as the seeds write it, turned into something a calendar can count.
 *
 * Under the default convention (Perpres 21/2023 working hours):
 *   menit / jam  → working minutes inside office hours (breaks excluded)
 *   hari         → working days (the same clock time N working days later)
 *   minggu       → 5 working days
 *   bare number  → minutes
 * Under an SOP's own conversion table (PUPR: "1 Jam = 60 menit, 1 Hari = 300 menit, 1 Minggu =
 * 1500 menit") every amount is first written in the SOP's minutes; from one SOP day up those
 * count in office days (300 → 1 working day, 600 → 2, 1500 → 5 = one working week), and what is
 * left under a day counts as working minutes. The table keeps 1 jam = 60 menit, so an SOP minute
 * below a day is a clock minute: PUPR's 30, 60 and 120 are half an hour, an hour and two hours
 * of office time. Only the day is the SOP's own (a day of its work is a working day on the
 * calendar, not 300 minutes of it).
 */

export interface KonversiWaktu {
  jam: number;
  hari: number;
  minggu: number;
}

/** A length of working time: whole working days first, then working minutes. */
export interface Duration {
  days: number;
  minutes: number;
}

export const minutesOf = (minutes: number): Duration => ({ days: 0, minutes });
export const daysOf = (days: number): Duration => ({ days, minutes: 0 });

export type Waktu =
  /** A fixed time standard counted from the moment the step opens. */
  | { kind: 'fixed'; duration: Duration; text: string }
  /** "menyesuaikan lamanya kegiatan": no fixed SLA, the actor sets the due date. */
  | { kind: 'actor-sets'; text: string }
  /** "maksimal N hari setelah pelaksanaan kegiatan": counted from a date captured earlier in the case. */
  | { kind: 'after-anchor'; duration: Duration; text: string }
  /** No time standard written. */
  | { kind: 'none' };

export class WaktuParseError extends Error {
  constructor(readonly text: string) {
    super(
      `waktu "${text}" tidak dikenali; tulis misalnya "10 menit", "1 jam", "2 hari", "1 minggu", ` +
        `"1500" (menit), "menyesuaikan lamanya kegiatan" atau "maksimal 7 hari setelah ..."`,
    );
    this.name = 'WaktuParseError';
  }
}

const UNIT_WORDS: Record<string, 'menit' | 'jam' | 'hari' | 'minggu'> = {
  menit: 'menit',
  mnt: 'menit',
  jam: 'jam',
  hari: 'hari',
  minggu: 'minggu',
  pekan: 'minggu',
};

/** SOP minutes under a conversion table: whole SOP days become working days, the rest stays minutes. */
function fromSopMinutes(total: number, konversi: KonversiWaktu): Duration {
  const days = Math.floor(total / konversi.hari);
  return { days, minutes: total - days * konversi.hari };
}

function toDuration(amount: number, unitWord: string, konversi?: KonversiWaktu): Duration {
  const unit = UNIT_WORDS[unitWord];
  if (!unit) throw new Error(`unit ${unitWord}`);
  if (konversi) return fromSopMinutes(unit === 'menit' ? amount : amount * konversi[unit], konversi);
  if (unit === 'menit') return minutesOf(amount);
  if (unit === 'jam') return minutesOf(amount * 60);
  if (unit === 'hari') return daysOf(amount);
  return daysOf(amount * 5);
}

const UNIT_PATTERN = Object.keys(UNIT_WORDS).join('|');
const FIXED = new RegExp(`^(\\d+(?:[.,]\\d+)?)\\s*(${UNIT_PATTERN})$`);
const BARE = /^(\d+)$/;
const AFTER = new RegExp(`^(?:maksimal|paling lambat|maks\\.?)\\s+(\\d+)\\s*(${UNIT_PATTERN})\\s+(?:setelah|sesudah)\\b.*$`);
const ACTOR_SETS = /^menyesuaikan\b/;

export function parseWaktu(raw: string | number | undefined, konversi?: KonversiWaktu): Waktu {
  if (raw === undefined) return { kind: 'none' };
  const text = String(raw).trim();
  const lower = text.toLowerCase().replace(/\s+/g, ' ');
  if (lower === '' || lower === '-') return { kind: 'none' };
  if (ACTOR_SETS.test(lower)) return { kind: 'actor-sets', text };

  const bare = BARE.exec(lower);
  if (bare) return positive({ kind: 'fixed', duration: toDuration(Number(bare[1]), 'menit', konversi), text });

  const fixed = FIXED.exec(lower);
  if (fixed) {
    const amount = Number(fixed[1]!.replace(',', '.'));
    const duration = toDuration(amount, fixed[2]!, konversi);
    if (!Number.isInteger(duration.days) || !Number.isInteger(duration.minutes)) {
      // "1,5 hari" under the default convention: a fraction of a working day has no clock reading.
      throw new WaktuParseError(text);
    }
    return positive({ kind: 'fixed', duration, text });
  }

  const after = AFTER.exec(lower);
  if (after) {
    return positive({ kind: 'after-anchor', duration: toDuration(Number(after[1]), after[2]!, konversi), text });
  }
  throw new WaktuParseError(text);
}

function positive<W extends Extract<Waktu, { duration: Duration }>>(w: W): W {
  if (!(w.duration.days > 0 || w.duration.minutes > 0)) throw new WaktuParseError(w.text);
  return w;
}

/** Indonesian words for a duration, for cards and `sop show`: "2 hari kerja", "1 jam 30 menit kerja", "1 hari 2 jam kerja". */
export function describeDuration(d: Duration): string {
  const hours = Math.floor(d.minutes / 60);
  const minutes = d.minutes % 60;
  const parts = [d.days ? `${d.days} hari` : '', hours ? `${hours} jam` : '', minutes ? `${minutes} menit` : ''].filter(Boolean);
  return `${parts.join(' ') || '0 menit'} kerja`;
}
