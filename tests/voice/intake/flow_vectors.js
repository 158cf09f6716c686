// Runs the shared page-flow vectors through voice/static/js/flow.js and prints one JSON
// outcome per case, in the shape of the case's expectations (test_flow.py compares them).
// Arguments: flow.js, the vector file, and the surveys' pages as the canvass bundle carries
// them ({survey name: pages}, written by test_flow.py from voice.intake.flow.page_outline).
'use strict';
const fs = require('fs');
const path = require('path');

const Flow = require(path.resolve(process.argv[2]));
const vectors = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
const outlines = JSON.parse(fs.readFileSync(process.argv[4], 'utf8'));

function survey(name) {
  const definition = vectors.surveys[name];
  return { definition, pages: outlines[name], default_language: definition.default_language };
}

function outcome(vector) {
  const s = survey(vector.survey);
  const answers = vector.answers;
  const result = {};
  if (vector.next) { result.next = vector.next.map(([from]) => [from, Flow.nextPage(s, from, answers, 1)]); }
  if (vector.previous) {
    result.previous = vector.previous.map(([from]) => [from, Flow.nextPage(s, from, answers, -1)]);
  }
  if (vector.shown) { result.shown = s.pages.map((page, index) => Flow.shown(s, index, answers)); }
  if (vector.choices) {
    result.choices = {};
    Object.keys(vector.choices).forEach((name) => {
      result.choices[name] = Flow.choices(s, Flow.questions(s)[name], answers);
    });
  }
  if (vector.pruned) { result.pruned = Flow.prune(s, answers); }
  if (vector.initial) { result.initial = Flow.initialAnswers(s); }
  if (vector.check) {
    const checked = Flow.checkPage(s, vector.check.page, answers, vector.check.language || 'en');
    const errors = {};
    Object.keys(checked.errors).forEach((name) => {
      errors[name] = checked.errors[name].message || checked.errors[name].code;
    });
    result.check = { page: vector.check.page, errors, stored: checked.answers };
  }
  return result;
}

const results = vectors.cases.map((vector) => {
  try {
    return outcome(vector);
  } catch (err) {
    return { crash: String(err && err.stack) };
  }
});
process.stdout.write(JSON.stringify(results));
