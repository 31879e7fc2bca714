// Send the deep-linking reply to the LMS at once; the button stays for browsers without script.
document.getElementById("training-deep-link-return").submit();
