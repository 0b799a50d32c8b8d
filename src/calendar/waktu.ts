/**
 * Mutu Baku "Waktu" as the seeds write it, turned into something a calendar can count.
 *
 * Units under the default convention (Perpres 21/2023 working hours):
 *   menit / jam  → working minutes inside office hours
 *   hari         → working days (same clock time N working days later)
 *   minggu       → 5 working days
 *   bare number  → minutes (PUPR writes "1500")
 * Under an SOP's own conversion table (PUPR: 1 jam = 60, 1 hari = 300, 1 minggu = 1500 menit)
 * every unit becomes working minutes, because that is how the SOP itself counts.
 */

export interface KonversiWaktu {
  jam: number;
  hari: number;
  minggu: number;
}

/** A length of working time. */
export type Duration =
  | { unit: 'minutes'; amount: number }
  | { unit: 'days'; amount: number };

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

function toDuration(amount: number, unitWord: string, konversi?: KonversiWaktu): Duration {
  const unit = UNIT_WORDS[unitWord];
  if (!unit) throw new Error(`unit ${unitWord}`);
  if (unit === 'menit') return { unit: 'minutes', amount };
  if (konversi) {
    return { unit: 'minutes', amount: amount * konversi[unit] };
  }
  if (unit === 'jam') return { unit: 'minutes', amount: amount * 60 };
  if (unit === 'hari') return { unit: 'days', amount };
  return { unit: 'days', amount: amount * 5 };
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
  if (bare) return positive({ kind: 'fixed', duration: { unit: 'minutes', amount: Number(bare[1]) }, text });

  const fixed = FIXED.exec(lower);
  if (fixed) {
    const amount = Number(fixed[1]!.replace(',', '.'));
    const duration = toDuration(amount, fixed[2]!, konversi);
    if (!Number.isInteger(duration.amount)) {
      // "1,5 hari" under the default convention: count it in working minutes of a standard day.
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
  if (!(w.duration.amount > 0)) throw new WaktuParseError(w.text);
  return w;
}

/** Indonesian words for a duration, for cards ("2 hari kerja", "90 menit kerja"). */
export function describeDuration(d: Duration): string {
  return d.unit === 'days' ? `${d.amount} hari kerja` : `${d.amount} menit kerja`;
}
