// What `npx mikro-orm` loads (package.json "mikro-orm".configPaths): the TypeScript configuration at
// the root, through tsx's loader for this one import, so the CLI needs neither ts-node nor a build.
import { tsImport } from 'tsx/esm/api';

const { default: config } = await tsImport('../mikro-orm.config.ts', import.meta.url);
export default config;
