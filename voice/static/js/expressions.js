/*
 * The XLSForm expression subset of voice/intake/expressions.py, for the browser.
 *
 * Same grammar, same coercion rules, same limits: the survey pages and the offline canvass
 * app decide relevance and constraints here, the server decides them in Python, and
 * tests/voice/intake/data/expression_vectors.json holds the cases both must agree on.
 * Change both files together. No eval, no dependencies, ES2019, classic script
 * (window.VoiceExpr) or CommonJS (for node tests).
 *
 * API: parse(source) -> tree; evaluate(tree, answers, current, {today, choice}) -> value;
 *      evaluateBool(...) -> boolean; references(tree) / attributes(tree) -> names;
 *      toString/toNumber/toBoolean; ExpressionError (message, position);
 *      NodeSet(values) (the answers of a repeat's question in every instance, read by
 *      count() and sum()); POSITION, the key of answers that holds position(..);
 *      everyInstance(name), the key that holds what indexed-repeat() reads.
 */
(function (root, factory) {
  'use strict';
  var api = factory();
  if (typeof module === 'object' && module.exports) {
    module.exports = api;
  } else {
    root.VoiceExpr = api;
  }
})(typeof self !== 'undefined' ? self : this, function () {
  'use strict';

  var MAX_EXPRESSION_LENGTH = 2000;
  var MAX_DEPTH = 40;
  var MAX_TREE_HEIGHT = 100;
  var MAX_REGEX_LENGTH = 200;
  var MAX_REGEX_INPUT_LENGTH = 1000;

  var FUNCTIONS = {
    'not': [1, 1], 'true': [0, 0], 'false': [0, 0], 'if': [3, 3], 'selected': [2, 2],
    'count-selected': [1, 1], 'string-length': [1, 1], 'regex': [2, 2], 'today': [0, 0],
    'number': [1, 1], 'string': [1, 1], 'concat': [1, null], 'contains': [2, 2],
    'coalesce': [2, 2], 'count': [1, 1], 'sum': [1, 1],
    'position': [0, 0],  // written position(..): the parser takes the .. itself
    'indexed-repeat': [3, 3],  // one repeat and its index, as pyxform writes the common case
    'pulldata': [4, 4]
  };
  var NODESET_FUNCTIONS = ['count', 'sum'];
  var POSITION = '..';

  /* The key of answers that holds x in every instance of its repeat (indexed-repeat()). */
  function everyInstance(name) { return name + '/*'; }

  /* The answers of a question in every repeat instance (or a repeat's instances). */
  function NodeSet(values) { this.values = values; }
  var KEYWORD_OPERATORS = { and: true, or: true, div: true, mod: true };
  var LEVELS = [['or'], ['and'], ['=', '!='], ['<', '<=', '>', '>='], ['+', '-'],
    ['*', 'div', 'mod']];

  var NUMBER_TEXT = /^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/;
  var ISO_DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
  var QUESTION_NAME = /^[A-Za-z_][A-Za-z0-9_.\-]*$/;
  var TOKEN = new RegExp(
    '([ \\t\\r\\n]+)' +
    '|(\\$\\{([^}]*)\\})' +
    '|([0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)' +
    "|('[^']*'|\"[^\"]*\")" +
    '|(<=|>=|!=|\\.\\.|[=<>+\\-*(),.])' +
    '|([A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z_][A-Za-z0-9_]*)*)', 'y');

  function ExpressionError(message, position, expression) {
    this.name = 'ExpressionError';
    this.message = message + ' (at character ' + (position + 1) + ')';
    this.reason = message;
    this.position = position;
    this.expression = expression || '';
  }
  ExpressionError.prototype = Object.create(Error.prototype);
  ExpressionError.prototype.constructor = ExpressionError;

  function stripWs(text) {
    return text.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
  }

  // --- Parsing ------------------------------------------------------------------------

  function tokenise(source) {
    var tokens = [];
    var position = 0;
    while (position < source.length) {
      TOKEN.lastIndex = position;
      var m = TOKEN.exec(source);
      if (m === null) {
        throw new ExpressionError('unexpected character ' + pyRepr(source.charAt(position)),
          position, source);
      }
      if (m[2] !== undefined) {
        var name = stripWs(m[3]);
        if (!QUESTION_NAME.test(name)) {
          throw new ExpressionError('invalid question reference ' + pyRepr(m[2]), position,
            source);
        }
        tokens.push({ kind: 'ref', text: name, position: position });
      } else if (m[4] !== undefined) {
        tokens.push({ kind: 'number', text: m[4], position: position });
      } else if (m[5] !== undefined) {
        tokens.push({ kind: 'string', text: m[5], position: position });
      } else if (m[6] !== undefined) {
        tokens.push({ kind: 'op', text: m[6], position: position });
      } else if (m[7] !== undefined) {
        tokens.push({ kind: 'name', text: m[7], position: position });
      }
      position = TOKEN.lastIndex;
    }
    tokens.push({ kind: 'end', text: '', position: source.length });
    return tokens;
  }

  // Python's repr() of a short string, so error messages read the same in both.
  function pyRepr(text) {
    return text.indexOf("'") >= 0 && text.indexOf('"') < 0 ? '"' + text + '"'
      : "'" + text.replace(/'/g, "\\'") + "'";
  }

  function Parser(source) {
    this.source = source;
    this.tokens = tokenise(source);
    this.index = 0;
    this.depth = 0;
  }

  Parser.prototype.error = function (message, token) {
    token = token || this.peek();
    return new ExpressionError(message, token.position, this.source);
  };
  Parser.prototype.peek = function () { return this.tokens[this.index]; };
  Parser.prototype.advance = function () { return this.tokens[this.index++]; };
  Parser.prototype.accept = function (texts) {
    var token = this.peek();
    if ((token.kind === 'op' || token.kind === 'name') && texts.indexOf(token.text) >= 0) {
      return this.advance();
    }
    return null;
  };
  Parser.prototype.expect = function (text) {
    var token = this.accept([text]);
    if (token === null) {
      var found = this.peek().text || 'end of expression';
      throw this.error('expected ' + pyRepr(text) + ' but found ' + pyRepr(found));
    }
    return token;
  };
  // The tree height bounds the recursion of evaluate(); see MAX_TREE_HEIGHT in Python.
  Parser.prototype.node = function (expr, children) {
    var height = 1;
    for (var i = 0; i < children.length; i++) {
      height = Math.max(height, 1 + (children[i].height || 1));
    }
    if (height > MAX_TREE_HEIGHT) { throw this.error('expression is too complex'); }
    Object.defineProperty(expr, 'height', { value: height, enumerable: false });
    return expr;
  };
  Parser.prototype.parse = function () {
    var expr = this.expression();
    if (this.peek().kind !== 'end') {
      throw this.error('unexpected ' + pyRepr(this.peek().text));
    }
    return expr;
  };
  Parser.prototype.expression = function () {
    this.depth += 1;
    if (this.depth > MAX_DEPTH) { throw this.error('expression is nested too deeply'); }
    var expr = this.binaryLevel(0);
    this.depth -= 1;
    return expr;
  };
  Parser.prototype.binaryLevel = function (level) {
    if (level === LEVELS.length) { return this.unary(); }
    var left = this.binaryLevel(level + 1);
    var token;
    while ((token = this.accept(LEVELS[level])) !== null) {
      var right = this.binaryLevel(level + 1);
      left = this.node({ kind: 'binary', op: token.text, left: left, right: right },
        [left, right]);
    }
    return left;
  };
  Parser.prototype.unary = function () {
    if (this.accept(['-'])) {
      this.depth += 1;
      if (this.depth > MAX_DEPTH) { throw this.error('expression is nested too deeply'); }
      var operand = this.unary();
      this.depth -= 1;
      return this.node({ kind: 'unary', op: '-', operand: operand }, [operand]);
    }
    return this.primary();
  };
  Parser.prototype.primary = function () {
    var token = this.advance();
    if (token.kind === 'number') { return { kind: 'literal', value: parseFloat(token.text) }; }
    if (token.kind === 'string') { return { kind: 'literal', value: token.text.slice(1, -1) }; }
    if (token.kind === 'ref') { return { kind: 'ref', name: token.text }; }
    if (token.kind === 'op' && token.text === '.') { return { kind: 'current' }; }
    if (token.kind === 'op' && token.text === '(') {
      var expr = this.expression();
      this.expect(')');
      return expr;
    }
    if (token.kind === 'name' && !KEYWORD_OPERATORS[token.text]) {
      var next = this.peek();
      if (next.kind === 'op' && next.text === '(') { return this.call(token); }
      return { kind: 'attribute', name: token.text };  // a choice column, in choice filters
    }
    if (token.kind === 'end') { throw this.error('unexpected end of expression', token); }
    throw this.error('unexpected ' + pyRepr(token.text), token);
  };
  Parser.prototype.call = function (nameToken) {
    var name = nameToken.text;
    if (!Object.prototype.hasOwnProperty.call(FUNCTIONS, name)) {
      throw this.error('unknown function ' + name + '()', nameToken);
    }
    this.advance();  // the "(" that primary() saw
    if (name === 'position') {
      this.expect('..');  // the only node whose position an answer can ask for
      this.expect(')');
      return { kind: 'call', name: name, args: [] };
    }
    var args = [];
    if (!this.accept([')'])) {
      args.push(this.expression());
      while (this.accept([','])) { args.push(this.expression()); }
      this.expect(')');
    }
    var arity = FUNCTIONS[name];
    if (args.length < arity[0] || (arity[1] !== null && args.length > arity[1])) {
      throw this.error('wrong number of arguments to ' + name + '()', nameToken);
    }
    if (name === 'indexed-repeat' && !(args[0].kind === 'ref' && args[1].kind === 'ref')) {
      throw this.error('indexed-repeat() takes ${question}, ${repeat} and a number', nameToken);
    }
    if (NODESET_FUNCTIONS.indexOf(name) >= 0 && args[0].kind !== 'ref') {
      throw this.error(name + '() counts the answers of a question: write ${name}', nameToken);
    }
    if (name === 'regex') {
      var pattern = args[1];
      if (pattern.kind !== 'literal' || typeof pattern.value !== 'string') {
        throw this.error('the pattern of regex() must be a quoted string', nameToken);
      }
      try {
        compileRegex(pattern.value);
      } catch (err) {
        if (err instanceof RegexRefused) {
          throw this.error('regex(): ' + err.message, nameToken);
        }
        throw err;
      }
    }
    return this.node({ kind: 'call', name: name, args: args }, args);
  };

  function parse(source) {
    if (typeof source !== 'string') { throw new ExpressionError('expression must be text', 0); }
    if (source.length > MAX_EXPRESSION_LENGTH) {
      throw new ExpressionError('expression is longer than ' + MAX_EXPRESSION_LENGTH +
        ' characters', MAX_EXPRESSION_LENGTH, source);
    }
    if (!stripWs(source)) { throw new ExpressionError('expression is empty', 0, source); }
    return new Parser(source).parse();
  }

  function names(expr, kind) {
    var found = {};
    (function walk(node) {
      if (node.kind === kind) { found[node.name] = true; }
      if (node.kind === 'unary') { walk(node.operand); }
      if (node.kind === 'binary') { walk(node.left); walk(node.right); }
      if (node.kind === 'call') { node.args.forEach(walk); }
    })(expr);
    return Object.keys(found).sort();
  }

  function references(expr) { return names(expr, 'ref'); }

  function attributes(expr) { return names(expr, 'attribute'); }

  // --- Regular expressions (same subset and ReDoS guard as the Python side) -----------

  function RegexRefused(message) { this.message = message; }

  var SIMPLE_ESCAPES = 'dDwWsSbBtnr\\.^$|?*+()[]{}/-\'"';
  var QUANTIFIER = /[*+?]|\{[0-9]+(?:,[0-9]*)?\}/y;
  var regexCache = {};

  function compileRegex(pattern) {
    if (Object.prototype.hasOwnProperty.call(regexCache, pattern)) {
      return regexCache[pattern];
    }
    if (pattern.length > MAX_REGEX_LENGTH) {
      throw new RegexRefused('pattern is longer than ' + MAX_REGEX_LENGTH + ' characters');
    }
    var out = [];
    var groups = [];
    var lastWasRepeatedGroup = false;
    var i = 0;
    while (i < pattern.length) {
      var ch = pattern.charAt(i);
      QUANTIFIER.lastIndex = i;
      var q = QUANTIFIER.exec(pattern);
      if (q) {
        var prev = out.length ? out[out.length - 1] : null;
        if (prev === null || prev === '(' || prev === '(?:' || prev === '|' || prev === '^') {
          throw new RegexRefused('nothing to repeat');
        }
        if (lastWasRepeatedGroup && q[0] !== '?') {
          throw new RegexRefused('nested repetition such as (a+)+ is not allowed');
        }
        if (groups.length) { groups[groups.length - 1] = true; }
        var end = QUANTIFIER.lastIndex;
        if (end < pattern.length && pattern.charAt(end) === '?') { end += 1; }
        out.push(pattern.slice(i, end));
        i = end;
        lastWasRepeatedGroup = false;
        continue;
      }
      lastWasRepeatedGroup = false;
      if (ch === '\\') {
        if (i + 1 >= pattern.length || SIMPLE_ESCAPES.indexOf(pattern.charAt(i + 1)) < 0) {
          throw new RegexRefused('unsupported escape sequence');
        }
        out.push(pattern.slice(i, i + 2));
        i += 2;
      } else if (ch === '[') {
        var classEnd = characterClassEnd(pattern, i);
        out.push(pattern.slice(i, classEnd));
        i = classEnd;
      } else if (ch === '(') {
        if (pattern.slice(i, i + 3) === '(?:') {
          out.push('(?:');
          i += 3;
        } else if (pattern.slice(i, i + 2) === '(?') {
          throw new RegexRefused('lookaround and named groups are not allowed');
        } else {
          out.push('(');
          i += 1;
        }
        groups.push(false);
      } else if (ch === ')') {
        if (!groups.length) { throw new RegexRefused('unbalanced parenthesis'); }
        var hadRepetition = groups.pop();
        if (groups.length && hadRepetition) { groups[groups.length - 1] = true; }
        lastWasRepeatedGroup = hadRepetition;
        out.push(')');
        i += 1;
      } else if (ch === '{' || ch === '}' || ch === ']') {
        throw new RegexRefused('unescaped ' + pyRepr(ch));
      } else {
        out.push(ch);
        i += 1;
      }
    }
    if (groups.length) { throw new RegexRefused('unbalanced parenthesis'); }
    var compiled;
    try {
      compiled = new RegExp(out.join(''));
    } catch (err) {
      throw new RegexRefused(err.message);
    }
    regexCache[pattern] = compiled;
    return compiled;
  }

  function characterClassEnd(pattern, start) {
    var i = start + 1;
    if (pattern.charAt(i) === '^') { i += 1; }
    if (pattern.charAt(i) === ']') { i += 1; }
    while (i < pattern.length) {
      var ch = pattern.charAt(i);
      if (ch === '\\') {
        if (i + 1 >= pattern.length || SIMPLE_ESCAPES.indexOf(pattern.charAt(i + 1)) < 0) {
          throw new RegexRefused('unsupported escape sequence');
        }
        i += 2;
      } else if (ch === '[') {
        throw new RegexRefused("nested '[' in a character class");
      } else if (ch === ']') {
        return i + 1;
      } else {
        i += 1;
      }
    }
    throw new RegexRefused('unterminated character class');
  }

  // --- Coercion -----------------------------------------------------------------------

  function normalise(value) {
    if (value === null || value === undefined) { return ''; }
    if (typeof value === 'boolean' || typeof value === 'string' ||
        typeof value === 'number') { return value; }
    if (Array.isArray(value)) {
      return value.map(function (item) { return toString(normalise(item)); });
    }
    return String(value);
  }

  function toBoolean(value) {
    if (typeof value === 'boolean') { return value; }
    if (typeof value === 'number') { return value !== 0 && !isNaN(value); }
    return value.length > 0;
  }

  function toNumber(value) {
    if (typeof value === 'boolean') { return value ? 1 : 0; }
    if (typeof value === 'number') { return value; }
    var text = stripWs(toString(value));
    return NUMBER_TEXT.test(text) ? parseFloat(text) : NaN;
  }

  function toString(value) {
    if (typeof value === 'boolean') { return value ? 'true' : 'false'; }
    if (typeof value === 'number') { return String(value); }
    if (Array.isArray(value)) { return value.join(' '); }
    return value;
  }

  function items(value) {
    if (Array.isArray(value)) { return value; }
    return toString(value).split(/[ \t\r\n]+/).filter(function (item) { return item; });
  }

  function looksNumeric(value) {
    return typeof value === 'string' && NUMBER_TEXT.test(stripWs(value));
  }

  function equals(left, right) {
    if (typeof left === 'boolean' || typeof right === 'boolean') {
      return toBoolean(left) === toBoolean(right);
    }
    if (typeof left === 'number' || typeof right === 'number' ||
        (looksNumeric(left) && looksNumeric(right))) {
      return toNumber(left) === toNumber(right);
    }
    return toString(left) === toString(right);
  }

  function compare(op, left, right) {
    var a;
    var b;
    if (typeof left === 'string' && typeof right === 'string' &&
        ISO_DATE.test(left) && ISO_DATE.test(right)) {
      a = left;
      b = right;
    } else {
      a = toNumber(left);
      b = toNumber(right);
      if (isNaN(a) || isNaN(b)) { return false; }
    }
    if (op === '<') { return a < b; }
    if (op === '<=') { return a <= b; }
    if (op === '>') { return a > b; }
    return a >= b;
  }

  function arithmetic(op, left, right) {
    if (op === '+') { return left + right; }
    if (op === '-') { return left - right; }
    if (op === '*') { return left * right; }
    if (op === 'div') { return left / right; }
    return left % right;  // mod: the sign follows the dividend, as in XPath
  }

  function isoToday() {
    var now = new Date();
    var pad = function (n) { return (n < 10 ? '0' : '') + n; };
    return now.getFullYear() + '-' + pad(now.getMonth() + 1) + '-' + pad(now.getDate());
  }

  // --- Evaluation ---------------------------------------------------------------------

  function Evaluator(answers, current, options) {
    this.answers = answers || {};
    this.current = normalise(current);
    this.today = (options && options.today) || null;
    this.choice = (options && options.choice) || {};
    this.data = (options && options.data) || {};
  }

  Evaluator.prototype.value = function (expr) {
    switch (expr.kind) {
      case 'literal': return expr.value;
      case 'ref': {
        var value = Object.prototype.hasOwnProperty.call(this.answers, expr.name) ? this.answers[expr.name] : null;
        if (value instanceof NodeSet) { value = value.values.length ? value.values[0] : null; }  // its first node
        return normalise(value);
      }
      case 'attribute':
        return normalise(Object.prototype.hasOwnProperty.call(this.choice, expr.name)
          ? this.choice[expr.name] : null);
      case 'current': return this.current;
      case 'unary': return -toNumber(this.value(expr.operand));
      case 'binary': return this.binary(expr);
      default: return this.call(expr);
    }
  };

  Evaluator.prototype.binary = function (expr) {
    var op = expr.op;
    if (op === 'or') {
      return toBoolean(this.value(expr.left)) || toBoolean(this.value(expr.right));
    }
    if (op === 'and') {
      return toBoolean(this.value(expr.left)) && toBoolean(this.value(expr.right));
    }
    var left = this.value(expr.left);
    var right = this.value(expr.right);
    if (op === '=') { return equals(left, right); }
    if (op === '!=') { return !equals(left, right); }
    if (op === '<' || op === '<=' || op === '>' || op === '>=') { return compare(op, left, right); }
    return arithmetic(op, toNumber(left), toNumber(right));
  };

  Evaluator.prototype.call = function (expr) {
    var name = expr.name;
    var args = expr.args;
    if (name === 'if') {
      return this.value(toBoolean(this.value(args[0])) ? args[1] : args[2]);
    }
    if (name === 'true') { return true; }
    if (name === 'false') { return false; }
    if (name === 'today') { return this.today || isoToday(); }
    if (name === 'position') { return toNumber(normalise(this.answers[POSITION])); }
    if (name === 'indexed-repeat') {
      var found = this.answers[everyInstance(args[0].name)];
      var list = found instanceof NodeSet ? found.values : [];
      var index = toNumber(this.value(args[2]));
      return index >= 1 && index <= list.length ? normalise(list[Math.trunc(index) - 1]) : '';
    }
    if (NODESET_FUNCTIONS.indexOf(name) >= 0) {
      var nodes = Object.prototype.hasOwnProperty.call(this.answers, args[0].name) ? this.answers[args[0].name] : null;
      if (!(nodes instanceof NodeSet)) {  // one question outside any repeat: one node
        nodes = new NodeSet(nodes === null || nodes === undefined || nodes === '' ||
          (Array.isArray(nodes) && !nodes.length) ? [] : [nodes]);
      }
      if (name === 'count') { return nodes.values.length; }
      return nodes.values.reduce(function (total, node) { return total + toNumber(normalise(node)); }, 0);
    }
    var self = this;
    var values = args.map(function (arg) { return self.value(arg); });
    switch (name) {
      case 'not': return !toBoolean(values[0]);
      case 'selected': return items(values[0]).indexOf(stripWs(toString(values[1]))) >= 0;
      case 'count-selected': return items(values[0]).length;
      // Code points, not UTF-16 units, to agree with Python's len().
      case 'string-length': return Array.from(toString(values[0])).length;
      case 'regex': {
        var text = toString(values[0]);
        if (Array.from(text).length > MAX_REGEX_INPUT_LENGTH) { return false; }
        return compileRegex(toString(values[1])).test(text);
      }
      case 'number': return toNumber(values[0]);
      case 'string': return toString(values[0]);
      case 'concat': return values.map(toString).join('');
      case 'contains': return toString(values[0]).indexOf(toString(values[1])) >= 0;
      case 'pulldata': return this.pulldata.apply(this, values.map(toString));
      default: return toString(values[0]) ? values[0] : values[1];  // coalesce
    }
  };

  /* The column of the first row of file.csv whose key column holds the key; '' when none. */
  Evaluator.prototype.pulldata = function (file, column, keyColumn, key) {
    var rows = Object.prototype.hasOwnProperty.call(this.data, file + '.csv') ? this.data[file + '.csv'] : [];
    for (var i = 0; i < rows.length; i++) {
      if (rows[i][keyColumn] === key) {
        return Object.prototype.hasOwnProperty.call(rows[i], column) ? rows[i][column] : '';
      }
    }
    return '';
  };

  function evaluate(expr, answers, current, options) {
    return new Evaluator(answers, current, options).value(expr);
  }

  function evaluateBool(expr, answers, current, options) {
    return toBoolean(evaluate(expr, answers, current, options));
  }

  return {
    ExpressionError: ExpressionError,
    parse: parse,
    evaluate: evaluate,
    evaluateBool: evaluateBool,
    references: references,
    attributes: attributes,
    toBoolean: toBoolean,
    toNumber: toNumber,
    toString: toString,
    NodeSet: NodeSet,
    POSITION: POSITION,
    everyInstance: everyInstance
  };
});
