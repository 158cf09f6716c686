/*
 * The page flow of voice/intake/flow.py, for the browser: which questions are relevant,
 * which page comes next, which choices a filtered select offers, what an answer must be
 * and which answers are pruned. The server checks everything again and is the authority;
 * tests/voice/intake/data/flow_vectors.json holds the cases both must agree on. Change both
 * files together. No dependencies but expressions.js, ES2019, classic script
 * (window.VoiceFlow, after window.VoiceExpr) or CommonJS (for node tests).
 *
 * A survey here is what the canvass bundle carries: {definition, pages: [{name, questions:
 * [names], relevant: {name: [conditions, outermost group first]}}], default_language}.
 * Answers are {name: text, or a list for a multi-select}, as the resident gave them.
 *
 * API: relevance(s, answers) -> {name: bool}; shown(s, index, answers, apart) -> names;
 *      nextPage(s, index, answers, step, apart) -> index or null; prune(s, answers);
 *      choices(s, question, answers) -> names; checkPage(s, index, answers, language) ->
 *      {answers, errors: {name: {code, message}}}; stored(question, value); typed; holds;
 *      label; empty; questions(s) -> {name: question}; initialAnswers(s) -> the defaults;
 *      display(value) -> an answer as ${name} shows it in a label; rankPlaces(value) ->
 *      {choice: its place} of a rank's answer.
 */
(function (root, factory) {
  'use strict';
  if (typeof module === 'object' && module.exports) {
    module.exports = factory(require('./expressions.js'));
  } else {
    root.VoiceFlow = factory(root.VoiceExpr);
  }
})(typeof self !== 'undefined' ? self : this, function (Expr) {
  'use strict';

  var MAX_TEXT = 5000;
  // ODK's spellings, as flow.py: ASCII digits, an optional sign, no exponent; "," may
  // stand for the decimal point. A date is year-month-day and must exist.
  var WHOLE = /^[-+]?[0-9]+$/;
  var NUMBER = /^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/;
  var DAY = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
  var CLOCK = /^(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?$/;  // 24-hour, seconds optional
  var CONSENTED = ['ok', 'yes', 'on', 'true', '1'];
  var trees = {};

  function empty(value) {
    return value === undefined || value === null || value === '' || (Array.isArray(value) && !value.length);
  }

  function label(texts, language, fallback) {
    if (!texts) { return ''; }
    return texts[language] || texts[fallback] || texts[Object.keys(texts)[0]] || '';
  }

  /* Expressions are parsed once: a survey's few dozen are asked for again and again. */
  function tree(source) {
    if (!(source in trees)) {
      try { trees[source] = Expr.parse(source); } catch (e) { trees[source] = null; }
    }
    return trees[source];
  }

  /* Whether an expression holds; one that cannot be read is false (publication refused those).
     data: the survey's pulldata() tables. */
  function holds(source, values, current, choice, data) {
    if (!tree(source)) { return false; }
    try {
      return Expr.evaluateBool(tree(source), values, current, { choice: choice, data: data });
    } catch (e) { return false; }
  }

  function questions(s) {
    if (s._questions) { return s._questions; }
    var index = {};
    (function walk(items) {
      items.forEach(function (item) {
        if (item.kind === 'group') { walk(item.children || []); } else { index[item.name] = item; }
      });
    })(s.definition.items);
    s._questions = index;
    return index;
  }

  function text(value) {
    return value === undefined || value === null ? '' : String(value).trim();
  }

  /* The value expressions see: numbers for numeric questions, lists for multi-selects.
     Numeric text that does not read as a number (mid-typing) stays text. */
  function typed(question, value) {
    if (empty(value)) { return question.type === 'select_multiple' ? [] : ''; }
    if (question.type === 'integer' || question.type === 'decimal' || question.type === 'range') {
      var number = text(value).replace(/,/g, '.');
      if (question.type === 'integer' && WHOLE.test(number)) { return parseInt(number, 10); }
      return NUMBER.test(number) ? parseFloat(number) : value;
    }
    return value;
  }

  /* The values expressions read: the answers, typed, and what each calculation gives on them
     (flow.evaluation_answers). */
  function evaluation(s, answers) {
    var index = questions(s);
    var values = {};
    Object.keys(answers).forEach(function (name) {
      if (index[name]) { values[name] = typed(index[name], answers[name]); }
    });
    if (Object.keys(index).some(function (name) { return index[name].type === 'calculate'; })) {
      walk(s, answers, function (name, relevant, value) {
        if (index[name].type === 'calculate') { values[name] = relevant ? value : ''; }
      });
    }
    return values;
  }

  /* What a calculate question stores, as text (flow.calculated); data: the survey's
     pulldata() tables. */
  function calculated(question, values, data) {
    if (!tree(question.calculation || '')) { return ''; }
    try {
      return String(Expr.toString(Expr.evaluate(tree(question.calculation), values, undefined, { data: data })));
    } catch (e) { return ''; }
  }

  function relevantOn(page, name, values, data) {
    return (page.relevant[name] || []).every(function (condition) {
      return holds(condition, values, undefined, undefined, data);
    });
  }

  /* Every question in form order with its relevance and the answer that stands, decided on
     the answers that stand before it: ODK clears a skipped question, so its stale answer
     decides nothing. A calculation's answer is what it gives on them (flow._walk). */
  function walk(s, answers, visit) {
    var index = questions(s);
    var kept = {};
    s.pages.forEach(function (page) {
      page.questions.forEach(function (name) {
        var relevant = relevantOn(page, name, kept, s.definition.data_files);
        var value = answers[name];
        if (index[name].type === 'calculate') {
          value = relevant ? calculated(index[name], kept, s.definition.data_files) : '';
        }
        visit(name, relevant, value);
        if (relevant && !empty(value)) { kept[name] = typed(index[name], value); }
      });
    });
  }

  /* Whether each question is to be shown: relevant, but calculations, which nobody answers. */
  function relevance(s, answers) {
    var index = questions(s);
    var result = {};
    walk(s, answers, function (name, relevant) { result[name] = relevant && index[name].type !== 'calculate'; });
    return result;
  }

  /* The relevant questions of a page, but those asked apart (the tablet's consent screen). */
  function shownWith(s, index, relevant, apart) {
    return s.pages[index].questions.filter(function (name) {
      return relevant[name] && (apart || []).indexOf(name) < 0;
    });
  }

  function shown(s, index, answers, apart) {
    return shownWith(s, index, relevance(s, answers), apart);
  }

  /* The next (or, with step -1, previous) page that has a question to show, or null. */
  function nextPage(s, index, answers, step, apart) {
    var relevant = relevance(s, answers);
    index += step;
    while (index >= 0 && index < s.pages.length) {
      if (shownWith(s, index, relevant, apart).length) { return index; }
      index += step;
    }
    return null;
  }

  /* Drop answers that later changes made irrelevant, in form order (flow.prune). */
  function prune(s, answers) {
    var kept = {};
    walk(s, answers, function (name, relevant, value) {
      if (relevant && !empty(value)) { kept[name] = value; }
    });
    return kept;
  }

  /* The choices a select offers given the answers so far (flow.options): every choice while
     an answer the filter reads is still missing, none once it is known and rules all out. */
  function choices(s, question, answers) {
    var list = s.definition.choice_lists[question.choice_list] || [];
    if (question.choice_filter) {
      var values = evaluation(s, answers);
      var filtered = list.filter(function (c) {
        var choice = { name: c.name };
        Object.keys(c.attributes || {}).forEach(function (k) { choice[k] = c.attributes[k]; });
        return holds(question.choice_filter, values, undefined, choice, s.definition.data_files);
      });
      var waiting = Expr.references(tree(question.choice_filter) || {}).some(function (name) { return empty(values[name]); });
      list = filtered.length || !waiting ? filtered : list;
    }
    return list.map(function (c) { return c.name; });
  }

  /* A number written out as the server stores it (Python's format(Decimal(text), 'f')):
     no sign but a minus, no leading zeros, 0.5 for .5 and 5 for 5. */
  function plain(number) {
    var parts = /^([-+]?)([0-9]*)\.?([0-9]*)$/.exec(number);
    var whole = parts[2].replace(/^0+(?=[0-9])/, '') || '0';
    return (parts[1] === '-' ? '-' : '') + whole + (parts[3] ? '.' + parts[3] : '');
  }

  /* Between the range's start and end, on one of its steps (flow._on_scale). Decimal steps
     such as 0.25 are compared after scaling to whole numbers, so 0.1 + 0.2 is no problem. */
  function onScale(question, text) {
    var p = question.parameters || {};
    var places = Math.max.apply(null, [text, p.start, p.end, p.step].map(function (n) {
      var dot = String(n).indexOf('.');
      return dot < 0 ? 0 : String(n).length - dot - 1;
    }));
    var scale = Math.pow(10, places);
    var at = function (n) { return Math.round(parseFloat(n) * scale); };
    var number = at(text); var start = at(p.start); var end = at(p.end); var step = at(p.step);
    return number >= Math.min(start, end) && number <= Math.max(start, end) && (number - start) % step === 0;
  }

  /* Latitude and longitude, then optionally altitude and accuracy (flow._position). */
  function position(numbers) {
    if (numbers.length < 2 || numbers.length > 4 || !numbers.every(function (n) { return NUMBER.test(n); })) { return false; }
    var values = numbers.map(parseFloat);
    return values[0] >= -90 && values[0] <= 90 && values[1] >= -180 && values[1] <= 180 && (values.length < 4 || values[3] >= 0);
  }

  function realDay(value) {
    var day = DAY.test(value) ? new Date(value + 'T00:00:00Z') : null;
    return Boolean(day) && !isNaN(day.getTime()) && day.toISOString().slice(0, 10) === value && value.slice(0, 4) !== '0000';
  }

  /* {value} as the server stores one non-empty answer that is not a choice, or {code}
     (flow._parse). */
  function parse(question, value) {
    var kind = question.type;
    if (kind === 'integer') {
      if (!WHOLE.test(value)) { return { code: 'whole_number' }; }
      var digits = value.replace(/^[-+]/, '').replace(/^0+(?=[0-9])/, '');
      return { value: (value.charAt(0) === '-' && /[1-9]/.test(digits) ? '-' : '') + digits };
    }
    if (kind === 'decimal') {
      var number = value.replace(/,/g, '.');
      return NUMBER.test(number) ? { value: plain(number) } : { code: 'number' };
    }
    if (kind === 'date') { return realDay(value) ? { value: value } : { code: 'date' }; }
    if (kind === 'time') { return CLOCK.test(value) ? { value: value } : { code: 'time' }; }
    if (kind === 'datetime') {  // stored with a T, whether typed with a T or a space
      var parts = value.replace(' ', 'T').split('T');
      var ok = parts.length === 2 && realDay(parts[0]) && CLOCK.test(parts[1]);
      return ok ? { value: parts[0] + 'T' + parts[1] } : { code: 'datetime' };
    }
    if (kind === 'range') {
      var scaled = value.replace(/,/g, '.');
      return NUMBER.test(scaled) && onScale(question, scaled) ? { value: plain(scaled) } : { code: 'range' };
    }
    if (kind === 'geopoint') {
      var numbers = value.split(/\s+/).filter(Boolean);
      return position(numbers) ? { value: numbers.join(' ') } : { code: 'geopoint' };
    }
    if (kind === 'consent') { return { value: CONSENTED.indexOf(value.toLowerCase()) >= 0 ? 'yes' : '' }; }
    if (kind === 'trigger') { return { value: value.toUpperCase() === 'OK' ? 'OK' : '' }; }
    if (Array.from(value).length > MAX_TEXT) { return { code: 'too_long' }; }  // characters, not UTF-16 units
    return { value: value };
  }

  /* {choice: its place, '1' first} of a rank's answer (flow.rank_places): from the stored
     order, or as the page's number per choice gives it. */
  function rankPlaces(value) {
    var places = {};
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      Object.keys(value).forEach(function (choice) { places[choice] = text(value[choice]); });
      return places;
    }
    var order = Array.isArray(value) ? value.map(String) : text(value).split(/\s+/).filter(Boolean);
    order.forEach(function (choice, index) { places[choice] = String(index + 1); });
    return places;
  }

  function sameNames(a, b) {
    return a.length === b.length && a.slice().sort().join('\n') === b.slice().sort().join('\n');
  }

  /* A rank's answer as the choices' names in the resident's order, space-separated, or the
     code 'rank' (flow._ranking): every choice offered takes one place, 1 to their number. */
  function ranking(raw, allowed) {
    var order;
    if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
      var all = rankPlaces(raw);
      var named = Object.keys(all).filter(function (choice) { return all[choice]; });
      if (!named.length) { return { value: '' }; }
      var wanted = named.map(function (choice, index) { return String(index + 1); });
      if (!sameNames(named.map(function (choice) { return all[choice]; }), wanted)) { return { code: 'rank' }; }
      order = named.sort(function (a, b) { return parseInt(all[a], 10) - parseInt(all[b], 10); });
    } else {
      order = Array.isArray(raw) ? raw.map(String) : text(raw).split(/\s+/).filter(Boolean);
      if (!order.length) { return { value: '' }; }
    }
    return sameNames(order, allowed) ? { value: order.join(' ') } : { code: 'rank' };
  }

  /* One submitted answer given the answers before it (flow._answer): {value} or {code}. */
  function answer(s, question, raw, answers) {
    if (question.type === 'select_multiple') {
      var picked = Array.isArray(raw) ? raw : text(raw).split(/\s+/).filter(Boolean);
      var allowed = choices(s, question, answers);
      if (picked.some(function (name) { return allowed.indexOf(name) < 0; })) { return { code: 'choose_options' }; }
      return { value: allowed.filter(function (name) { return picked.indexOf(name) >= 0; }) };
    }
    if (question.type === 'rank') { return ranking(raw, choices(s, question, answers)); }
    var value = text(raw);
    if (!value) { return { value: '' }; }
    if (question.type === 'select_one') {  // a geography is the server's to check: the tablet has no list
      return choices(s, question, answers).indexOf(value) >= 0 ? { value: value } : { code: 'choose_option' };
    }
    return question.type === 'geography' ? { value: value } : parse(question, value);
  }

  /* Required, then the constraint (only with an answer), as ODK checks them (flow._problem). */
  function problem(s, question, value, answers) {
    if (empty(value)) { return question.required ? 'required' : null; }
    if (question.constraint) {
      var values = evaluation(s, answers);
      values[question.name] = typed(question, value);
      if (!holds(question.constraint, values, typed(question, value), undefined, s.definition.data_files)) {
        return 'not_accepted';
      }
    }
    return null;
  }

  /* The survey's own message for a problem, where it gives one (flow.message). */
  function ownMessage(s, question, code, language) {
    var own = { required: question.required_message, not_accepted: question.constraint_message }[code];
    return label(own, language, s.default_language) || null;
  }

  /* One page's answers checked in form order, given the answers that stand on the pages
     before it (flow.check_page): {answers: as stored, errors: {name: {code, message}}}. */
  function checkPage(s, index, answers, language) {
    var all = questions(s);
    var before = {};
    s.pages.slice(0, index).forEach(function (page) { page.questions.forEach(function (name) { before[name] = true; }); });
    var standing = prune(s, answers);
    var accepted = {};
    Object.keys(standing).forEach(function (name) { if (before[name]) { accepted[name] = standing[name]; } });
    var result = { answers: {}, errors: {} };
    var page = s.pages[index];
    page.questions.forEach(function (name) {
      var question = all[name];
      var values = evaluation(s, accepted);
      if (question.type === 'note' || !relevantOn(page, name, values, s.definition.data_files)) { return; }
      var given = question.type === 'calculate' ? { value: calculated(question, values, s.definition.data_files) }
        : question.read_only ? { value: initial(question) }  // shown, never changed
          : answer(s, question, answers[name], accepted);
      var code = given.code || problem(s, question, given.value, accepted);
      if (code) {
        result.errors[name] = { code: code, message: ownMessage(s, question, code, language) };
      } else if (!empty(given.value)) {
        accepted[name] = given.value;
        result.answers[name] = given.value;
      }
    });
    return result;
  }

  /* The answer a question starts with: its default (a multi-select's as a list), else none
     (flow.initial). */
  function initial(question) {
    var none = question.type === 'select_multiple' ? [] : '';
    if (question.default === undefined || question.default === null) { return none; }
    if (question.type === 'note' || question.type === 'calculate') { return none; }
    return question.type === 'select_multiple' ? question.default.split(/\s+/).filter(Boolean) : question.default;
  }

  /* An answer as a label shows it (flow.with_answers): a multi-select's space-separated. */
  function display(value) {
    if (empty(value)) { return ''; }
    return Array.isArray(value) ? value.join(' ') : String(value);
  }

  /* What an interview starts with: every default (flow.initial_answers). */
  function initialAnswers(s) {
    var index = questions(s);
    var answers = {};
    Object.keys(index).forEach(function (name) {
      var value = initial(index[name]);
      if (!empty(value)) { answers[name] = value; }
    });
    return answers;
  }

  /* The value as the server will store it (flow._parse): a replay then compares equal. */
  function stored(question, value) {
    if (question.type === 'rank') {  // checked already: the order its places give
      var places = rankPlaces(value);
      return ranking(value, Object.keys(places).filter(function (choice) { return places[choice]; })).value || '';
    }
    if (Array.isArray(value)) { return value; }
    if (question.type === 'geography' || question.type === 'select_one') { return text(value); }
    var given = parse(question, text(value));
    return given.code ? text(value) : given.value;
  }

  return {
    relevance: relevance, shown: shown, nextPage: nextPage, prune: prune, choices: choices,
    checkPage: checkPage, stored: stored, typed: typed, holds: holds, label: label, empty: empty,
    questions: questions, initialAnswers: initialAnswers, display: display, rankPlaces: rankPlaces
  };
});
