// The names of every migration, in order, without their code: a start-up checks these against the
// database and loads the migrator (and the migrations) only when one is pending. index.ts holds the
// same list with the classes; test/db/migrations.test.ts fails when the two differ.
export const MIGRATION_NAMES: readonly string[] = [
  'Migration20261122020722',
  'Migration20261122032951',
  'Migration20261122034843',
  'Migration20261122053932',
  'Migration20261204120000',
  'Migration20261204232833',
  'Migration20261207063000',
  'Migration20261207063100',
  'Migration20261207120000',
  'Migration20261207130000',
  'Migration20261207130100',
  'Migration20261207140000',
  'Migration20261207160000',
  'Migration20261207180000',
];
