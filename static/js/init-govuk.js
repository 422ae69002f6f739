// Initialise GOV.UK Frontend JavaScript components.
//
// Loaded by the base template as:
//   <script type="module" src="/static/js/init-govuk.js"></script>
// (an external module, no inline script, so a strict Content-Security-Policy
// with script-src 'self' works). Module scripts are deferred, so
// document.body exists here. Browsers without ES module support never run
// this file and get the no-JavaScript versions of the components.
import { initAll } from "/static/govuk/govuk-frontend.min.js";

// GOV.UK Frontend only initialises components when <body> has this class.
document.body.classList.add("govuk-frontend-supported");

initAll();
