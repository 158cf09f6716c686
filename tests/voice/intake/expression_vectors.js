// Runs the shared expression vectors through voice/static/js/expressions.js and prints
// one JSON result per vector: {"value": ...} or {"error": position}. Numbers that JSON
// cannot carry (NaN, Infinity) are printed as {"number": "NaN"}, as in the vector file.
'use strict';
const fs = require('fs');
const path = require('path');

const VoiceExpr = require(path.resolve(process.argv[2]));
const vectors = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));

function encode(value) {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return { number: String(value) };
  }
  return value;
}

const results = vectors.map((vector) => {
  try {
    const tree = VoiceExpr.parse(vector.expression);
    const options = { today: vector.today, choice: vector.choice, data: vector.data };
    return { value: encode(VoiceExpr.evaluate(tree, vector.answers, vector.current, options)) };
  } catch (err) {
    if (err instanceof VoiceExpr.ExpressionError) {
      return { error: err.position };
    }
    return { crash: String(err && err.stack) };
  }
});
process.stdout.write(JSON.stringify(results));
