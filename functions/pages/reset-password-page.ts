import { linkPage } from './link-page';
import { resetPasswordPage } from './link-pages';

export const handler = linkPage(resetPasswordPage);
