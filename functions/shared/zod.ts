import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

/**
 * zod/mini, the tree-shakable build of zod (classic zod alone was more than
 * the whole DynamoDB client in every function's bundle). Every schema under
 * functions/ imports it from here as `import * as z from '…/shared/zod'`:
 * mini carries no messages of its own, so this sets classic zod's English
 * ones and problem documents read as before. (Import it as a namespace and
 * use its members; passing the namespace around as a value would pull every
 * export, all the locales among them, into the bundle.)
 */
config(en());

export * from 'zod/mini';
