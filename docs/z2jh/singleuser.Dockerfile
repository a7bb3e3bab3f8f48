# A Jupyter Docker Stacks image with jupyterlab-hub-credits: the prebuilt
# lab extension and its server part, in the image's own environment.
# Pin a dated tag of your choice.
FROM quay.io/jupyter/base-notebook:latest
RUN pip install --no-cache-dir "jupyterlab-hub-credits==0.2.0"
