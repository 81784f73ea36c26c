// The dashboard's few behaviours, from a file: the content security policy allows no inline
// script, including onsubmit/onchange attributes.
// <form data-confirm="Question?">: ask before submitting. <select data-autosubmit>: submit
// its form on change. Delegated from the document, so cells htmx swaps in work too.
document.addEventListener("submit", (event) => {
  const question = event.target.dataset && event.target.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
document.addEventListener("change", (event) => {
  if (event.target.matches && event.target.matches("select[data-autosubmit]")) {
    event.target.form.submit();
  }
});
