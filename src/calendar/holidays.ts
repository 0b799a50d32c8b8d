/**
 * Libur nasional and cuti bersama as the yearly SKB 3 Menteri (Menteri Agama, Menteri
 * Ketenagakerjaan, Menteri PANRB) sets them. Shipped as data so a deadline never depends on
 * a network lookup; an admin adds anything later (Keppres changes, libur daerah) per unit.
 *
 * Both kinds stop the SLA clock: cuti bersama is formally annual leave taken collectively,
 * but government offices are closed on it, so a step cannot be expected to move that day.
 *
 * The decree reserves the final dates of 1 Ramadan, Idulfitri and Iduladha for a separate
 * Keputusan Menteri Agama after sidang isbat. If the isbat moves a day, add/remove it per unit
 * rather than editing a year that names its decree.
 */

export type HolidayKind = 'libur' | 'cuti_bersama';

export interface Holiday {
  /** Local calendar date, YYYY-MM-DD. */
  readonly date: string;
  readonly kind: HolidayKind;
  readonly name: string;
}

/** The joint decree a year comes from; each minister numbers it in their own series. */
export interface SkbDecree {
  readonly title: string;
  readonly nomorMenteriAgama: string;
  readonly nomorMenteriKetenagakerjaan: string;
  readonly nomorMenteriPanRb: string;
  /** Date the decree was signed (ditetapkan), YYYY-MM-DD. */
  readonly ditetapkan: string;
}

export interface HolidayYear {
  readonly year: number;
  /** null only when no decree is known; then `provisional` is true. */
  readonly decree: SkbDecree | null;
  /** True when the dates are not (yet) backed by a decree and may change. */
  readonly provisional: boolean;
  /** How the list was checked, and anything a maintainer must re-check. */
  readonly verification: string;
  readonly sources: readonly string[];
  readonly holidays: readonly Holiday[];
}

const L = (date: string, name: string): Holiday => ({ date, kind: 'libur', name });
const C = (date: string, name: string): Holiday => ({ date, kind: 'cuti_bersama', name });

const YEAR_2026: HolidayYear = {
  year: 2026,
  decree: {
    title: 'Keputusan Bersama Menteri Agama, Menteri Ketenagakerjaan, dan Menteri Pendayagunaan Aparatur Negara dan Reformasi Birokrasi tentang Hari Libur Nasional dan Cuti Bersama Tahun 2026',
    nomorMenteriAgama: 'Nomor 1497 Tahun 2025',
    nomorMenteriKetenagakerjaan: 'Nomor 2 Tahun 2025',
    nomorMenteriPanRb: 'Nomor 5 Tahun 2025',
    ditetapkan: '2025-09-19',
  },
  provisional: false,
  verification:
    'Dicocokkan dari beberapa pemberitaan yang mengutip SKB (17 libur nasional + 8 cuti bersama); ' +
    'teks resmi (PDF Kemenko PMK) tidak dibaca langsung. Kebijakan WFA ASN 16-17 dan 25-27 Maret 2026 ' +
    'bukan hari libur dan sengaja tidak dimasukkan.',
  sources: [
    'https://www.setneg.go.id/baca/index/inilah_skb_3_menteri_libur_nasional_dan_cuti_bersama_2026',
    'https://www.kemenkopmk.go.id/sites/default/files/pengumuman/2025-09/SKB%20Libur%20Nasional%20dan%20Cuti%20Bersama%20Tahun%202026.pdf',
    'https://disdiksmg.semarangkota.go.id/post-detail/resmi-daftar-hari-libur-nasional-dan-cuti-bersama-tahun-2026-berdasarkan-skb-3-menteri',
    'https://www.detik.com/sumbagsel/berita/d-8384053/daftar-libur-nasional-cuti-bersama-maret-2026',
  ],
  holidays: [
    L('2026-01-01', 'Tahun Baru 2026 Masehi'),
    L('2026-01-16', 'Isra Mikraj Nabi Muhammad S.A.W.'),
    C('2026-02-16', 'Cuti Bersama Tahun Baru Imlek 2577 Kongzili'),
    L('2026-02-17', 'Tahun Baru Imlek 2577 Kongzili'),
    C('2026-03-18', 'Cuti Bersama Hari Suci Nyepi (Tahun Baru Saka 1948)'),
    L('2026-03-19', 'Hari Suci Nyepi (Tahun Baru Saka 1948)'),
    C('2026-03-20', 'Cuti Bersama Idulfitri 1447 Hijriah'),
    L('2026-03-21', 'Idulfitri 1447 Hijriah'),
    L('2026-03-22', 'Idulfitri 1447 Hijriah'),
    C('2026-03-23', 'Cuti Bersama Idulfitri 1447 Hijriah'),
    C('2026-03-24', 'Cuti Bersama Idulfitri 1447 Hijriah'),
    L('2026-04-03', 'Wafat Yesus Kristus'),
    L('2026-04-05', 'Kebangkitan Yesus Kristus (Paskah)'),
    L('2026-05-01', 'Hari Buruh Internasional'),
    L('2026-05-14', 'Kenaikan Yesus Kristus'),
    C('2026-05-15', 'Cuti Bersama Kenaikan Yesus Kristus'),
    L('2026-05-27', 'Iduladha 1447 Hijriah'),
    C('2026-05-28', 'Cuti Bersama Iduladha 1447 Hijriah'),
    L('2026-05-31', 'Hari Raya Waisak 2570 BE'),
    L('2026-06-01', 'Hari Lahir Pancasila'),
    L('2026-06-16', '1 Muharam Tahun Baru Islam 1448 Hijriah'),
    L('2026-08-17', 'Proklamasi Kemerdekaan'),
    L('2026-08-25', 'Maulid Nabi Muhammad S.A.W.'),
    C('2026-12-24', 'Cuti Bersama Kelahiran Yesus Kristus'),
    L('2026-12-25', 'Kelahiran Yesus Kristus'),
  ],
};

const YEAR_2027: HolidayYear = {
  year: 2027,
  decree: {
    title: 'Keputusan Bersama Menteri Agama, Menteri Ketenagakerjaan, dan Menteri Pendayagunaan Aparatur Negara dan Reformasi Birokrasi tentang Hari Libur Nasional dan Cuti Bersama Tahun 2027',
    nomorMenteriAgama: 'Nomor 1205 Tahun 2026',
    nomorMenteriKetenagakerjaan: 'Nomor 3 Tahun 2026',
    nomorMenteriPanRb: 'Nomor 2 Tahun 2026',
    ditetapkan: '2026-09-15',
  },
  provisional: false,
  verification:
    'Nomor SKB dan 18 libur nasional + 8 cuti bersama dicocokkan dari beberapa salinan pihak ketiga ' +
    'yang saling bebas dan mengutip setneg.go.id / PDF Kemenko PMK; teks resmi belum dibaca langsung ' +
    'dan belum ada pemberitaan yang terindeks. Periksa ulang terhadap PDF resmi sebelum Januari 2027.',
  sources: [
    'https://setneg.go.id/baca/index/inilah_skb_3_menteri_libur_nasional_dan_cuti_bersama_2027',
    'https://www.kemenkopmk.go.id/pemerintah-tetapkan-18-hari-libur-nasional-dan-8-cuti-bersama-tahun-2027',
    'https://www.kemenkopmk.go.id/sites/default/files/pengumuman/2026-09/SKB%20Libur%20Nasional%20dan%20Cuti%20Bersama%20Tahun%202027.pdf',
  ],
  holidays: [
    L('2027-01-01', 'Tahun Baru 2027 Masehi'),
    L('2027-01-05', 'Isra Mikraj Nabi Muhammad S.A.W.'),
    C('2027-02-05', 'Cuti Bersama Tahun Baru Imlek 2578 Kongzili'),
    L('2027-02-06', 'Tahun Baru Imlek 2578 Kongzili'),
    L('2027-03-08', 'Hari Suci Nyepi (Tahun Baru Saka 1949)'),
    C('2027-03-09', 'Cuti Bersama Idulfitri 1448 Hijriah'),
    L('2027-03-10', 'Idulfitri 1448 Hijriah'),
    L('2027-03-11', 'Idulfitri 1448 Hijriah'),
    C('2027-03-12', 'Cuti Bersama Idulfitri 1448 Hijriah'),
    C('2027-03-15', 'Cuti Bersama Idulfitri 1448 Hijriah'),
    C('2027-03-25', 'Cuti Bersama Wafat Yesus Kristus'),
    L('2027-03-26', 'Wafat Yesus Kristus'),
    L('2027-03-28', 'Kebangkitan Yesus Kristus (Paskah)'),
    L('2027-05-01', 'Hari Buruh Internasional'),
    L('2027-05-06', 'Kenaikan Yesus Kristus'),
    L('2027-05-17', 'Iduladha 1448 Hijriah'),
    C('2027-05-18', 'Cuti Bersama Iduladha 1448 Hijriah'),
    C('2027-05-19', 'Cuti Bersama Hari Raya Waisak 2571 BE'),
    L('2027-05-20', 'Hari Raya Waisak 2571 BE'),
    L('2027-06-01', 'Hari Lahir Pancasila'),
    L('2027-06-06', '1 Muharam Tahun Baru Islam 1449 Hijriah'),
    L('2027-08-15', 'Maulid Nabi Muhammad S.A.W.'),
    L('2027-08-17', 'Proklamasi Kemerdekaan'),
    C('2027-12-24', 'Cuti Bersama Kelahiran Yesus Kristus'),
    L('2027-12-25', 'Kelahiran Yesus Kristus'),
    // Isra Mikraj falls twice in 2027 (1448 H and 1449 H).
    L('2027-12-26', 'Isra Mikraj Nabi Muhammad S.A.W.'),
  ],
};

/** Every shipped year, oldest first. */
export const SHIPPED_HOLIDAYS: readonly HolidayYear[] = [YEAR_2026, YEAR_2027];

export const SHIPPED_YEARS: readonly number[] = SHIPPED_HOLIDAYS.map((y) => y.year);

export interface ListHolidaysOptions {
  year?: number;
  kind?: HolidayKind;
}

/** Shipped holidays in date order, optionally for one year and/or one kind. */
export function listShippedHolidays(opts: ListHolidaysOptions = {}): Holiday[] {
  return SHIPPED_HOLIDAYS.filter((y) => opts.year === undefined || y.year === opts.year)
    .flatMap((y) => y.holidays)
    .filter((h) => opts.kind === undefined || h.kind === opts.kind)
    .sort((a, b) => a.date.localeCompare(b.date));
}

/** The shipped holiday on a local date, if any (at most one per date in the decrees). */
export function shippedHolidayOn(isoDate: string): Holiday | undefined {
  const year = Number(isoDate.slice(0, 4));
  return SHIPPED_HOLIDAYS.find((y) => y.year === year)?.holidays.find((h) => h.date === isoDate);
}

/** The year entry (decree, provenance) for a year, or undefined when nothing is shipped for it. */
export function shippedYear(year: number): HolidayYear | undefined {
  return SHIPPED_HOLIDAYS.find((y) => y.year === year);
}
