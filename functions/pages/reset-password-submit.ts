import { page } from './reset-password-page';

/** The form post of the page (works with JavaScript off). */
export const handler = page.submit;
