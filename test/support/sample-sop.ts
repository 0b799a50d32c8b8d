/**
 * A small SOP written for tests of the core and the service: a decision with two branches,
 * an upload, a review that returns, an actor-set deadline, a joint step with a relative
 * deadline and a conditional end.
 */
import { sopDefinitionSchema, type SopDefinitionInput } from '../../src/sop/definition.js';

export const sampleSopInput = {
  id: 'contoh',
  code: 'CTH',
  identity: { nomor: '1/2026', nama: 'Contoh', instansi: ['BKD'], disahkanOleh: 'Kepala' },
  roles: [
    { id: 'kabid', name: 'Kabid' },
    { id: 'subkor', name: 'Subkoordinator' },
    { id: 'asesor', name: 'Asesor' },
  ],
  steps: [
    { id: '1', kegiatan: 'Menerima surat', kind: 'task', role: 'kabid', waktu: '10 menit', next: '2' },
    {
      id: '2',
      kegiatan: 'Memutuskan',
      kind: 'decision',
      role: 'subkor',
      waktu: '1 jam',
      branches: [
        { label: 'Diterima', next: '3' },
        { label: 'Ditolak', next: '5' },
      ],
    },
    { id: '3', kegiatan: 'Menyusun laporan', kind: 'task', role: 'asesor', waktu: 'menyesuaikan lamanya kegiatan', output: ['Laporan'], next: '4' },
    { id: '4', kegiatan: 'Memeriksa laporan', kind: 'review', role: 'kabid', waktu: '2 hari', returnTo: '3', next: '6' },
    { id: '5', kegiatan: 'Surat penolakan', kind: 'task', role: 'subkor', next: '6' },
    {
      id: '6',
      kegiatan: 'Rapat penutupan',
      kind: 'joint',
      roles: ['kabid', 'asesor'],
      quorum: 'all',
      waktu: 'Maksimal 7 hari setelah pelaksanaan kegiatan',
      anchor: '4',
      output: [{ name: 'Terlaksananya rapat', document: false }],
      route: [{ when: { step: '2', branch: 'Ditolak' }, end: 'ditolak' }, { end: 'selesai' }],
    },
  ],
} satisfies SopDefinitionInput;

export const sampleSop = sopDefinitionSchema.parse(sampleSopInput);
