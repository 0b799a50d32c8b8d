/**
 * The SOP definition format: one YAML file per SOP, the whole PermenPAN-RB 35/2012
 * document kept (identity block, metadata sections, Pelaksana columns, the table of
 * activities with Mutu Baku and Keterangan), plus the transitions the engine needs.
 *
 * This module only describes shape. Cross-field rules (a transition names a real
 * step, every step can reach an end, waktu parses) live in `validate.ts`, so that a
 * reader finds every definition rule in those two files.
 */
import { z } from 'zod';

/** Slack keeps an option's value (the SOP picked in /sop baru) up to 150 characters. */
export const MAX_ID_LENGTH = 150;

/** What the SOP editor reads when a definition passes what a chat platform can show. */
export const LIMIT = {
  idTooLong: (max: number) => `paling panjang ${max} karakter (Slack menyimpan pilihan SOP sampai ${max} karakter)`,
  tooManyBranches: (n: number, max: number) =>
    `${n} cabang keputusan; paling banyak ${max}, karena satu kartu Slack memuat paling banyak 25 tombol (termasuk Kembalikan dan Tetapkan batas waktu)`,
  tooManySlots: (n: number, max: number) =>
    `${n} dokumen unggahan (kelengkapan dan output berupa dokumen); paling banyak ${max}, karena pertanyaan "dokumen ini untuk yang mana?" memuat paling banyak ${max} tombol`,
} as const;
const id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'harus huruf kecil, angka, "-" atau "_" (contoh: "kasi_penilaian")')
  .max(MAX_ID_LENGTH, LIMIT.idTooLong(MAX_ID_LENGTH));
const stepId = z.union([z.string(), z.number()]).transform(String).pipe(
  z.string().regex(/^[0-9]+[a-z]?$/, 'nomor kegiatan harus angka, boleh diikuti satu huruf (contoh: "5", "5a")'),
);
const nonEmpty = z.string().trim().min(1, 'tidak boleh kosong');
const isoDate = z
  .union([z.string(), z.date()])
  .transform((v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v))
  .pipe(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'tanggal harus berformat YYYY-MM-DD'));

export const OUTCOMES = ['selesai', 'ditolak', 'dibatalkan'] as const;
export const outcomeSchema = z.enum(OUTCOMES);
export type Outcome = z.infer<typeof outcomeSchema>;

/** Where a step leads: to another step, or to the end of the case with an outcome. */
const target = z
  .object({ next: stepId.optional(), end: outcomeSchema.optional() })
  .strict();

/** A conditional transition: "if step 3 went the Ditolak way, end as ditolak". */
const routeEntry = target
  .extend({
    when: z.object({ step: stepId, branch: nonEmpty }).strict().optional(),
  })
  .strict();

const branchSchema = target.extend({ label: nonEmpty }).strict();

/**
 * "Only on the path where decision `step` went `branch`": the same condition as a route entry's,
 * so a row shared by two paths (Pemalang 5b–8) asks each path only for its own documents.
 */
export const pathConditionSchema = z.object({ step: stepId, branch: nonEmpty }).strict();
export type PathCondition = z.infer<typeof pathConditionSchema>;

export const kelengkapanSchema = z.union([
  nonEmpty.transform((name): { name: string; when?: PathCondition } => ({ name })),
  z.object({ name: nonEmpty, when: pathConditionSchema.optional() }).strict(),
]);

export const outputSchema = z.union([
  nonEmpty.transform((name): { name: string; document: boolean; when?: PathCondition } => ({ name, document: true })),
  z.object({ name: nonEmpty, document: z.boolean().default(true), when: pathConditionSchema.optional() }).strict(),
]);

/**
 * Office hours of a unit, each day as its working periods: "07:30-12:00, 13:00-16:00" (the
 * break between two periods is not working time). Unset days keep the service's defaults.
 */
const periodsText = z
  .string()
  .regex(
    /^\s*\d{2}[:.]\d{2}\s*-\s*\d{2}[:.]\d{2}\s*(,\s*\d{2}[:.]\d{2}\s*-\s*\d{2}[:.]\d{2}\s*)*$/,
    'tulis jam kerja sebagai periode JJ:MM-JJ:MM dipisah koma, contoh "07:30-12:00, 13:00-16:00"',
  );
export const officeHoursSchema = z
  .object({
    /** Monday to Thursday. */
    mondayToThursday: periodsText.optional(),
    friday: periodsText.optional(),
  })
  .strict();

export const STEP_KINDS = ['task', 'review', 'decision', 'joint'] as const;

export const stepSchema = z
  .object({
    id: stepId,
    kegiatan: nonEmpty,
    kind: z.enum(STEP_KINDS),
    /** The Pelaksana column of the row; `roles` instead for a joint step. */
    role: id.optional(),
    roles: z.array(id).min(2, 'langkah bersama (joint) butuh paling sedikit dua peran').optional(),
    /** Joint steps: done when all roles confirmed, or when any one did. */
    quorum: z.enum(['all', 'any']).optional(),
    /**
     * The Pelaksana column of this row is not marked in the source document (the swimlane
     * mark was lost): the role was read from the kegiatan text, and an admin should confirm it.
     */
    roleInferred: z.boolean().optional(),
    kelengkapan: z.array(kelengkapanSchema).default([]),
    /** Mutu Baku Waktu as written in the SOP ("10 menit", "1500", "menyesuaikan lamanya kegiatan"). Absent: no time standard. */
    waktu: z.union([z.string(), z.number()]).transform(String).optional(),
    /** For a relative waktu ("maksimal 7 hari setelah ..."): the step whose completion it counts from. */
    anchor: stepId.optional(),
    output: z.array(outputSchema).default([]),
    keterangan: z.string().optional(),
    next: stepId.optional(),
    end: outcomeSchema.optional(),
    route: z.array(routeEntry).min(1).optional(),
    /** Review steps: where Kembalikan sends the case; with several, the most recently visited one. */
    returnTo: z.union([stepId, z.array(stepId).min(1)]).optional(),
    branches: z.array(branchSchema).min(2, 'keputusan butuh paling sedikit dua cabang').optional(),
  })
  .strict();

export const roleSchema = z
  .object({
    id,
    /** The Pelaksana column heading as written in the SOP. */
    name: nonEmpty,
    /** Who escalations for this role go to (issue 5); optional. */
    supervisor: id.optional(),
  })
  .strict();

export const relatedSopSchema = z.union([
  nonEmpty.transform((title) => ({ title, sopId: undefined as string | undefined })),
  z.object({ title: nonEmpty, sopId: id.optional() }).strict(),
]);

export const sopDefinitionSchema = z
  .object({
    /** Stable id of the SOP across versions. */
    id,
    /** Prefix of case references, e.g. PUPR → PUPR-2026-0007. */
    code: z.string().regex(/^[A-Z][A-Z0-9]{1,9}$/, 'kode harus 2-10 huruf besar/angka (contoh: "PUPR")'),
    identity: z
      .object({
        nomor: nonEmpty,
        nama: nonEmpty,
        instansi: z.array(nonEmpty).min(1),
        tanggalPembuatan: isoDate.optional(),
        tanggalRevisi: isoDate.optional(),
        tanggalEfektif: isoDate.optional(),
        disahkanOleh: nonEmpty,
      })
      .strict(),
    dasarHukum: z.array(nonEmpty).default([]),
    kualifikasiPelaksana: z.array(nonEmpty).default([]),
    keterkaitan: z.array(relatedSopSchema).default([]),
    peralatan: z.array(nonEmpty).default([]),
    peringatan: z.array(nonEmpty).default([]),
    pencatatan: z.array(nonEmpty).default([]),
    /** Where the unit works; picks the calendar (time zone, holidays, its own office hours). */
    unit: z
      .object({ timezone: z.string().default('Asia/Jakarta'), officeHours: officeHoursSchema.optional() })
      .strict()
      .default({ timezone: 'Asia/Jakarta' }),
    /** The SOP's own working-time convention, e.g. PUPR: 1 Jam = 60, 1 Hari = 300, 1 Minggu = 1500 menit. */
    konversiWaktu: z
      .object({
        jam: z.number().int().positive(),
        hari: z.number().int().positive(),
        minggu: z.number().int().positive(),
      })
      .strict()
      .optional(),
    roles: z.array(roleSchema).min(1, 'SOP butuh paling sedikit satu pelaksana'),
    /** The first entry is where a case starts. */
    steps: z.array(stepSchema).min(1, 'SOP butuh paling sedikit satu kegiatan'),
  })
  .strict();

/** The YAML as written (before defaults). */
export type SopDefinitionInput = z.input<typeof sopDefinitionSchema>;
/** A parsed, validated definition. */
export type SopDefinition = z.output<typeof sopDefinitionSchema>;
export type StepDefinition = SopDefinition['steps'][number];
export type StepKind = StepDefinition['kind'];

/** Whether a condition on a decision holds for a case, given the branch chosen last at each decision. */
export function onPath(when: PathCondition | undefined, decisions: Readonly<Record<string, string>>): boolean {
  return when === undefined || decisions[when.step] === when.branch;
}

/**
 * The kelengkapan and outputs of a step on this case's path. Without `decisions` (the SOP
 * as a whole, not one case) every entry counts.
 */
export function stepDocuments(step: StepDefinition, decisions?: Readonly<Record<string, string>>) {
  const keep = <T extends { when?: PathCondition | undefined }>(items: T[]) =>
    decisions === undefined ? items : items.filter((i) => onPath(i.when, decisions));
  return { kelengkapan: keep(step.kelengkapan), output: keep(step.output) };
}

/** The roles that act on a step (one for most, several for a joint step). */
export function stepRoles(step: StepDefinition): string[] {
  return step.roles ?? (step.role ? [step.role] : []);
}

export function returnTargets(step: StepDefinition): string[] {
  if (step.returnTo === undefined) return [];
  return Array.isArray(step.returnTo) ? step.returnTo : [step.returnTo];
}

/** The Pelaksana heading as the SOP writes it, minus a closing full stop ("Kabid.") that would double up in sentences. */
export function roleName(def: Pick<SopDefinition, 'roles'>, roleId: string): string {
  const name = def.roles.find((r) => r.id === roleId)?.name;
  return name ? name.replace(/\.$/, '') : roleId;
}

export function roleNames(def: Pick<SopDefinition, 'roles'>, roleIds: string[]): string[] {
  return roleIds.map((r) => roleName(def, r));
}
