/*
 * The resident's survey page, made smoother: questions appear and disappear as answers
 * change (the same relevance the server applies, via flow.js), the error summary
 * takes focus, and the submission's UUID is kept in localStorage as well as the session.
 * Without this file the page still works: the server pages and checks everything.
 */
(function () {
  'use strict';
  var form = document.getElementById('survey-page');
  if (!form || !window.VoiceFlow) { return; }
  var Flow = window.VoiceFlow;
  var earlier = {};
  try { earlier = JSON.parse(form.getAttribute('data-answers') || '{}'); } catch (e) { earlier = {}; }
  var files = {};  // the tables pulldata() reads, when the survey has any
  try { files = JSON.parse(form.getAttribute('data-files') || '{}'); } catch (e) { files = {}; }

  var questions = Array.prototype.slice.call(form.querySelectorAll('.question'));

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
    if (type === 'rank') {  // the order its number selects give so far, as the server stores it
      var places = {};
      Array.prototype.forEach.call(node.querySelectorAll('select[data-choice]'), function (select) {
        places[select.getAttribute('data-choice')] = select.value;
      });
      return Flow.stored({ type: 'rank' }, places);
    }
    var field = form.elements[name];
    if (!field) { return ''; }
    if (field.type === 'checkbox') { return field.checked ? field.value : ''; }  // consent, trigger
    return Flow.typed({ type: type }, (field.value || '').trim());
  }

  /* The answers as an instance's expressions read them: by name, this instance's (or one
     around it) and those outside repeats, with position(..) (flow._context, for one page). */
  function scoped(answers, instance) {
    if (!instance) { return answers; }
    var result = {};
    Object.keys(answers).forEach(function (key) {
      var split = Flow.splitKey(key);
      if (!split[0] || (instance + '/').indexOf(split[0] + '/') === 0) { result[split[1]] = answers[key]; }
    });
    result[window.VoiceExpr.POSITION] = parseInt(instance.split('/').pop(), 10);
    return result;
  }

  function update() {
    var answers = {};
    Object.keys(earlier).forEach(function (key) { answers[key] = earlier[key]; });
    var shown = [];
    // In page order, a hidden question's answer counts as none: the server's relevance.
    questions.forEach(function (node) {
      var source = node.getAttribute('data-relevant');
      var visible = !source || Flow.holds(source, scoped(answers, node.getAttribute('data-instance')),
                                          undefined, undefined, files);
      node.hidden = !visible;
      if (visible) { shown.push(node.getAttribute('data-name')); }
      answers[node.getAttribute('data-name')] = valueOf(node);
    });
    var field = document.getElementById('survey-shown');
    if (field) { field.value = shown.join(' '); }
    showAnswers(answers);
  }

  /* ODK's ${name} outputs in labels and hints follow the answers as they change; one this
     page does not know (a calculation) keeps what the server drew. */
  function showAnswers(answers) {
    Array.prototype.forEach.call(form.querySelectorAll('output[data-ref]'), function (output) {
      var name = output.getAttribute('data-ref');
      if (name in answers) { output.textContent = Flow.display(answers[name]); }
    });
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
