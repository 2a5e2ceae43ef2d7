import { linkPage } from './link-page';
import { invitationPage } from './link-pages';

export const handler = linkPage(invitationPage);
