// Co-production Portal: start GOV.UK Frontend's JavaScript components
// (error summary focus, password reveal, character count, ...).
// Loaded as <script type="module" src="{{ url_for('static', filename='portal.js') }}">
// so that the Content Security Policy needs no inline script.
import { initAll } from "./govuk/govuk-frontend.min.js";

initAll();
