import { page } from './invite-page';

/** The form post of the page (works with JavaScript off). */
export const handler = page.submit;
