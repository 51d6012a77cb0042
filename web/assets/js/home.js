// Entry module of the home page.
import { initHome } from './home-view.js';

initHome(document);
