// Every migration, in order. Listed explicitly so that start-up needs no file discovery.
import type { Constructor } from '@mikro-orm/core';
import type { Migration } from '@mikro-orm/migrations';
import { Migration20261122020722 } from './Migration20261122020722.ts';
import { Migration20261122032951 } from './Migration20261122032951.ts';
import { Migration20261122034843 } from './Migration20261122034843.ts';
import { Migration20261122053932 } from './Migration20261122053932.ts';
import { Migration20261204120000 } from './Migration20261204120000.ts';
import { Migration20261204232833 } from './Migration20261204232833.ts';
import { Migration20261207063000 } from './Migration20261207063000.ts';
import { Migration20261207063100 } from './Migration20261207063100.ts';
import { Migration20261207120000 } from './Migration20261207120000.ts';
import { Migration20261207130000 } from './Migration20261207130000.ts';
import { Migration20261207130100 } from './Migration20261207130100.ts';
import { Migration20261207140000 } from './Migration20261207140000.ts';
import { Migration20261207160000 } from './Migration20261207160000.ts';
import { Migration20261207180000 } from './Migration20261207180000.ts';

export const migrationsList: { name: string; class: Constructor<Migration> }[] = [
  { name: 'Migration20261122020722', class: Migration20261122020722 },
  { name: 'Migration20261122032951', class: Migration20261122032951 },
  { name: 'Migration20261122034843', class: Migration20261122034843 },
  { name: 'Migration20261122053932', class: Migration20261122053932 },
  { name: 'Migration20261204120000', class: Migration20261204120000 },
  { name: 'Migration20261204232833', class: Migration20261204232833 },
  { name: 'Migration20261207063000', class: Migration20261207063000 },
  { name: 'Migration20261207063100', class: Migration20261207063100 },
  { name: 'Migration20261207120000', class: Migration20261207120000 },
  { name: 'Migration20261207130000', class: Migration20261207130000 },
  { name: 'Migration20261207130100', class: Migration20261207130100 },
  { name: 'Migration20261207140000', class: Migration20261207140000 },
  { name: 'Migration20261207160000', class: Migration20261207160000 },
  { name: 'Migration20261207180000', class: Migration20261207180000 },
];
