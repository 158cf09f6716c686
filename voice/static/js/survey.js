/*
 * The resident's survey page, made smoother: questions appear and disappear as answers
 * change (the same relevance the server applies, via expressions.js), the error summary
 * takes focus, and the submission's UUID is kept in localStorage as well as the session.
 * Without this file the page still works: the server pages and checks everything.
 */
(function () {
  'use strict';
  var form = document.getElementById('survey-page');
  if (!form || !window.VoiceExpr) { return; }
  var Expr = window.VoiceExpr;
  var earlier = {};
  try { earlier = JSON.parse(form.getAttribute('data-answers') || '{}'); } catch (e) { earlier = {}; }

  var questions = Array.prototype.slice.call(form.querySelectorAll('.question'));
  var parsed = questions.map(function (node) {
    var source = node.getAttribute('data-relevant');
    if (!source) { return null; }
    try { return Expr.parse(source); } catch (e) { return null; }
  });

  function valueOf(node) {
    var name = node.getAttribute('data-name');
    var type = node.getAttribute('data-type');
    if (node.hidden) { return type === 'select_multiple' ? [] : ''; }
    if (type === 'select_multiple') {
      return Array.prototype.map.call(
        form.querySelectorAll('input[name="' + name + '"]:checked'), function (i) { return i.value; });
    }
    if (type === 'select_one') {
      var picked = form.querySelector('input[name="' + name + '"]:checked');
      return picked ? picked.value : '';
    }
    var field = form.elements[name];
    if (!field) { return ''; }
    if (type === 'consent') { return field.checked ? 'yes' : ''; }
    var value = (field.value || '').trim();
    if (value === '') { return ''; }
    if (type === 'integer' || type === 'decimal') {
      var number = Number(value.replace(',', '.'));
      return isNaN(number) ? value : number;
    }
    return value;
  }

  function update() {
    var answers = {};
    Object.keys(earlier).forEach(function (key) { answers[key] = earlier[key]; });
    var shown = [];
    questions.forEach(function (node, index) {
      var visible = true;
      if (parsed[index]) {
        try { visible = Expr.evaluateBool(parsed[index], answers); } catch (e) { visible = true; }
      }
      node.hidden = !visible;
      if (visible) { shown.push(node.getAttribute('data-name')); }
      answers[node.getAttribute('data-name')] = valueOf(node);
    });
    var field = document.getElementById('survey-shown');
    if (field) { field.value = shown.join(' '); }
  }

  form.addEventListener('input', update);
  form.addEventListener('change', update);
  update();

  var summary = document.getElementById('error-summary');
  if (summary) { summary.focus(); }

  try {
    var key = document.getElementById('survey-uuid');
    if (key && window.localStorage) {
      window.localStorage.setItem('voice-survey:' + location.pathname, key.value);
    }
  } catch (e) { /* storage may be disabled: the session keeps the UUID anyway */ }
})();
