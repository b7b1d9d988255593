(function(){
var ctx=document.createElement('canvas').getContext('2d');
function lines(text,font,room){
  ctx.font=font;var out=[''];
  text.split(' ').forEach(function(w){var l=out[out.length-1],t=l?l+' '+w:w;
    if(l&&ctx.measureText(t).width>room){out.push(w);}else{out[out.length-1]=t;}});
  return out;}
function fit(g){
  var fl=g._fullLayout,lay=g.layout;if(!fl||!lay.title||!lay.title.text){return;}
  if(!g.hasAttribute('data-title')){g.setAttribute('data-title',lay.title.text);
    g.setAttribute('data-margin-t',fl.margin.t);}
  var text=g.getAttribute('data-title'),top=+g.getAttribute('data-margin-t');
  var f=fl.title.font,parts=lines(text,f.size+'px '+f.family,fl.width-16);
  var wrapped=parts.join('<br>');if(wrapped===lay.title.text){return;}
  var many=parts.length>1,extra=many?(parts.length-1)*Math.ceil(f.size*1.3)+8:0;
  Plotly.relayout(g,{'title.text':wrapped,'margin.t':top+extra,'title.yref':'container',
    'title.y':many?1-36/fl.height:'auto','title.yanchor':many?'top':'auto'});}
function all(){document.querySelectorAll('.js-plotly-plot').forEach(function(g){
  Plotly.Plots.resize(g);fit(g);});}
var timer;
window.addEventListener('load',all);
window.addEventListener('resize',function(){clearTimeout(timer);timer=setTimeout(all,250);});
})();
