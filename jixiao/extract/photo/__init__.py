"""Phone photos of paper forms: EXIF, the page found against its background and warped flat, the
paper's resolution measured from the page itself, bowed rulings (curl, lens) straightened. These
are stages of the scan path (``stages.py``), which then reads the flat page as it reads any scan;
``source.py`` maps its boxes back into the photo's own pixels."""
